using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Archeio.Blobs;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs;

/// <summary>The blob checker's policy with a controllable HTTP handler and fake time.</summary>
public sealed class BlobCheckerTests : IDisposable
{
    private static readonly MirrorSettings Mirror = new("m", "https://m.example/containers/images/{digest}", 0);
    private static readonly MirrorSettings Other = new("o", "https://o.example/containers/images/{digest}", 1);

    private readonly StubHttpHandler _handler = new();
    private readonly FakeTimeProvider _time = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        _disposables.ForEach(d => d.Dispose());
        _handler.Dispose();
    }

    [Fact]
    public async Task Present_answers_are_cached_for_PresentTtl()
    {
        var checker = Create();

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        _time.Advance(TimeSpan.FromHours(23));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.Equal(1, _handler.Count);

        _time.Advance(TimeSpan.FromHours(2));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public async Task Absent_answers_are_cached_for_AbsentTtl()
    {
        _handler.Status = HttpStatusCode.NotFound;
        var checker = Create();

        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.Equal(1, _handler.Count);

        // A blob that arrives in the mirror is found once the absent answer expires.
        _handler.Status = HttpStatusCode.OK;
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public async Task Keys_are_per_mirror()
    {
        var checker = Create();

        await checker.ExistsAsync(Mirror, "pause", Digest(1), default);
        await checker.ExistsAsync(Other, "pause", Digest(1), default);

        Assert.Equal(["/containers/images/" + Digest(1), "/containers/images/" + Digest(1)], _handler.Paths);
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public async Task Concurrent_callers_for_one_key_share_one_HEAD()
    {
        var checker = Create();
        _handler.Hold();

        var callers = Enumerable.Range(0, 50).Select(_ => checker.ExistsAsync(Mirror, "pause", Digest(7), default).AsTask()).ToList();
        await _handler.Received.WaitAsync(TimeSpan.FromSeconds(10));
        _handler.Release();
        var answers = await Task.WhenAll(callers);

        Assert.All(answers, Assert.True);
        Assert.Equal(1, _handler.Count);
        Assert.Equal(49, checker.Counters.Coalesced);
    }

    [Fact]
    public async Task The_budget_ends_the_wait_for_this_request_only_and_the_HEAD_still_caches()
    {
        var checker = Create();
        _handler.Hold();
        using var budget = new CancellationTokenSource();

        var waiting = checker.ExistsAsync(Mirror, "pause", Digest(2), budget.Token).AsTask();
        await _handler.Received.WaitAsync(TimeSpan.FromSeconds(10));
        await budget.CancelAsync();

        Assert.False(await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, checker.Counters.BudgetExpired);
        Assert.False(checker.Cache.TryGet(new BlobKey(0, DigestKey.From(Digest(2))), out _));

        // The shared HEAD was not cancelled with the request: its answer is cached for the next one.
        _handler.Release();
        await WaitUntilAsync(() => checker.Counters.HeadsPresent == 1);
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(2), default));
        Assert.Equal(1, _handler.Count);
    }

    [Fact]
    public async Task An_expired_budget_still_uses_known_answers_but_sends_nothing()
    {
        var checker = Create();
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(3), default));
        using var spent = new CancellationTokenSource();
        await spent.CancelAsync();

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(3), spent.Token));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(4), spent.Token));
        Assert.Equal(1, _handler.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    public async Task Failures_open_the_breaker_which_skips_the_mirror_then_one_trial_decides(HttpStatusCode failure)
    {
        _handler.Status = failure;
        var checker = Create(settings: BlobCheckSettings.Default() with { BreakAfter = 3, BreakFor = TimeSpan.FromSeconds(30) });

        for (var i = 0; i < 3; i++)
        {
            Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(10 + i), default));
        }

        Assert.Equal(BreakerState.Open, checker.BreakerOf(Mirror));
        Assert.Equal(3, _handler.Count);

        // Open: skipped without a HEAD, and failures are not cached.
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(10), default));
        Assert.Equal(3, _handler.Count);
        Assert.Equal(1, checker.Counters.SkippedByBreaker);

        // Half-open after the break: one trial; while it is in flight everyone else still skips.
        _time.Advance(TimeSpan.FromSeconds(31));
        _handler.Status = HttpStatusCode.OK;
        _handler.Hold();
        var trial = checker.ExistsAsync(Mirror, "pause", Digest(20), default).AsTask();
        await _handler.Received.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(BreakerState.HalfOpen, checker.BreakerOf(Mirror));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(21), default));
        _handler.Release();
        Assert.True(await trial);

        Assert.Equal(BreakerState.Closed, checker.BreakerOf(Mirror));
        Assert.Equal(1, checker.Counters.BreakerOpened);
        Assert.Equal(1, checker.Counters.BreakerHalfOpened);
        Assert.Equal(1, checker.Counters.BreakerClosed);
        Assert.Equal(4, _handler.Count);
    }

    [Fact]
    public async Task A_failed_trial_opens_the_breaker_again()
    {
        _handler.Status = HttpStatusCode.ServiceUnavailable;
        var checker = Create(settings: BlobCheckSettings.Default() with { BreakAfter = 1, BreakFor = TimeSpan.FromSeconds(10) });
        await checker.ExistsAsync(Mirror, "pause", Digest(1), default);
        Assert.Equal(BreakerState.Open, checker.BreakerOf(Mirror));

        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(2), default));
        Assert.Equal(BreakerState.Open, checker.BreakerOf(Mirror));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(3), default));
        Assert.Equal(2, _handler.Count);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.TemporaryRedirect)]
    public async Task Answers_other_than_5xx_never_open_the_breaker(HttpStatusCode status)
    {
        _handler.Status = status;
        var checker = Create(settings: BlobCheckSettings.Default() with { BreakAfter = 2 });

        for (var i = 0; i < 10; i++)
        {
            Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(30 + i), default));
        }

        Assert.Equal(BreakerState.Closed, checker.BreakerOf(Mirror));
        Assert.Equal(10, _handler.Count);
    }

    [Fact]
    public async Task Past_the_concurrency_limit_requests_fall_through_at_once()
    {
        var checker = Create(settings: BlobCheckSettings.Default() with { MaxConcurrent = 1 });
        _handler.Hold();
        var first = checker.ExistsAsync(Mirror, "pause", Digest(40), default).AsTask();
        await _handler.Received.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(41), default).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, checker.Counters.SkippedByLimit);

        _handler.Release();
        Assert.True(await first);
        Assert.Equal(1, _handler.Count);

        // Not cached: the next request for it asks.
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(41), default));
        Assert.Equal(2, _handler.Count);
    }

    /// <summary>
    /// A source whose proxied bytes did not hash to the digest (Proxying/ProxyForwarder.cs) is taken not to hold that
    /// object for AbsentTtl, whatever its HEAD (which a liar answers 200) or its inventory says; other objects and
    /// other mirrors are unaffected; afterwards it is asked again.
    /// </summary>
    [Fact]
    public async Task Wrong_bytes_make_the_object_absent_for_AbsentTtl_over_the_HEAD_and_the_inventory()
    {
        var inventories = new MirrorInventories();
        inventories.Replace(Mirror.Index, new HashSet<DigestKey> { DigestKey.From(Digest(60)) });
        var checker = Create(inventories: inventories);
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(61), default));
        Assert.Equal(1, _handler.Count);

        checker.ReportServeFailure(Mirror, "pause", Digest(60), forget: true);
        checker.ReportServeFailure(Mirror, "pause", Digest(61), forget: true);

        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(60), default));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(61), default));
        Assert.True(checker.TryGetKnown(Mirror, "pause", Digest(61), out var known));
        Assert.False(known);
        Assert.Equal(1, _handler.Count);
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(62), default));
        Assert.True(await checker.ExistsAsync(Other, "pause", Digest(61), default));
        Assert.Equal(3, _handler.Count);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(60), default));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(61), default));
        Assert.Equal(4, _handler.Count);
    }

    [Fact]
    public async Task Inventory_digests_are_present_without_a_HEAD()
    {
        var inventories = new MirrorInventories();
        inventories.Replace(Mirror.Index, new HashSet<DigestKey> { DigestKey.From(Digest(50)) });
        var checker = Create(inventories: inventories);

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(50), default));
        Assert.Equal(0, _handler.Count);
        Assert.Equal(1, checker.Counters.InventoryHits);

        // Not in the inventory (which may lag): still asked.
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(51), default));
        Assert.Equal(1, _handler.Count);
        // The inventory is per mirror.
        Assert.True(await checker.ExistsAsync(Other, "pause", Digest(50), default));
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public async Task The_shared_store_answers_before_a_HEAD_and_learns_every_HEAD()
    {
        var store = new MemoryResultStore();
        store.Set(Mirror, Digest(60), present: true, TimeSpan.FromHours(1));
        var checker = Create(store: store);

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(60), default));
        Assert.Equal(0, _handler.Count);
        Assert.Equal(1, checker.Counters.SharedHits);

        _handler.Status = HttpStatusCode.NotFound;
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(61), default));
        Assert.Equal(false, store.Get(Mirror, Digest(61)));
        Assert.Equal(TimeSpan.FromMinutes(1), store.TtlOf(Mirror, Digest(61)));
    }

    [Fact]
    public async Task The_cache_stays_within_MaxEntries()
    {
        var checker = Create(settings: BlobCheckSettings.Default(maxEntries: 100));

        for (var i = 0; i < 1_000; i++)
        {
            await checker.ExistsAsync(Mirror, "pause", Digest(i), default);
        }

        Assert.Equal(100, checker.Cache.Count);
        Assert.Equal(900, checker.Cache.Evictions);
    }

    [Fact]
    public async Task Upstream_candidates_are_asked_per_repository()
    {
        var upstream = new UpstreamCandidate(TestSettings.Upstream, 1);
        var checker = Create();

        Assert.True(await checker.ExistsAsync(upstream, "a/one", Digest(70), default));
        Assert.True(await checker.ExistsAsync(upstream, "a/one", Digest(70), default));
        Assert.True(await checker.ExistsAsync(upstream, "b/two", Digest(70), default));

        Assert.Equal(["/v2/project/images/a/one/blobs/" + Digest(70), "/v2/project/images/b/two/blobs/" + Digest(70)], _handler.Paths);
    }

    internal static string Digest(int i) => "sha256:" + i.ToString("x64", CultureInfo.InvariantCulture);

    [Fact]
    public async Task TryGetKnown_finds_inventory_and_cached_answers_and_counts_them_as_ExistsAsync_does()
    {
        var inventories = new MirrorInventories();
        inventories.Replace(Other.Index, new HashSet<DigestKey> { DigestKey.From(Digest(2)) });
        var upstream = new UpstreamCandidate(TestSettings.Upstream, Other.Index);
        var checker = Create(inventories: inventories);

        Assert.False(checker.TryGetKnown(Mirror, "pause", Digest(1), out _));
        Assert.False(checker.TryGetKnown(upstream, "pause", Digest(1), out _));
        Assert.Equal(0, checker.Counters.CacheMisses);

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.True(await checker.ExistsAsync(upstream, "pause", Digest(1), default));
        Assert.Equal(2, _handler.Count);

        Assert.True(checker.TryGetKnown(Mirror, "pause", Digest(1), out var present) && present);
        // Repository-scoped: the key is repository@digest, so another repository is not known.
        Assert.True(checker.TryGetKnown(upstream, "pause", Digest(1), out present) && present);
        Assert.False(checker.TryGetKnown(upstream, "other", Digest(1), out _));
        Assert.True(checker.TryGetKnown(Other, "pause", Digest(2), out present) && present);
        Assert.Equal(2, checker.Counters.CacheHits);
        Assert.Equal(1, checker.Counters.InventoryHits);
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public async Task A_mirror_out_of_rotation_holds_nothing_whatever_its_cache_and_inventory_say_until_it_returns()
    {
        var inventories = new MirrorInventories();
        inventories.Replace(Mirror.Index, new HashSet<DigestKey> { DigestKey.From(Digest(2)) });
        var checker = Create(inventories: inventories);
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.Equal(1, _handler.Count);

        checker.TakeOutOfRotation(Mirror, "range: GET with Range: bytes=0-1023 answered 400");

        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(2), default));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(3), default));
        Assert.True(checker.TryGetKnown(Mirror, "pause", Digest(1), out var known));
        Assert.False(known);
        Assert.Equal(1, _handler.Count);
        Assert.Equal(BreakerState.Open, checker.BreakerOf(Mirror));
        Assert.Equal("range: GET with Range: bytes=0-1023 answered 400", checker.OutOfRotation(Mirror)?.Reason);
        Assert.Equal(4, checker.Counters.SkippedByBreaker);
        // The other mirror is not touched.
        Assert.True(await checker.ExistsAsync(Other, "pause", Digest(1), default));

        // Time alone does not bring it back (no trial HEAD), only a passing probe.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.False(await checker.ExistsAsync(Mirror, "pause", Digest(3), default));
        Assert.Equal(2, _handler.Count);

        checker.ReturnToRotation(Mirror);

        Assert.Null(checker.OutOfRotation(Mirror));
        Assert.Equal(BreakerState.Closed, checker.BreakerOf(Mirror));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(1), default));
        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digest(2), default));
        Assert.Equal(2, _handler.Count);
    }

    [Fact]
    public void A_mirror_kept_out_by_successive_probes_keeps_the_time_it_went_out_and_takes_the_newest_reason()
    {
        var checker = Create();
        var since = _time.GetUtcNow();
        checker.TakeOutOfRotation(Mirror, "head: HEAD answered 404");
        _time.Advance(TimeSpan.FromMinutes(1));

        checker.TakeOutOfRotation(Mirror, "range: GET with Range: bytes=0-1023 answered 400");

        Assert.Equal(new ProbeHold("range: GET with Range: bytes=0-1023 answered 400", since), checker.OutOfRotation(Mirror));
        Assert.Equal(1, checker.Counters.BreakerOpened);
    }

    [Fact]
    public async Task A_manifest_view_asks_the_manifest_url_with_every_manifest_type_accepted_and_keeps_its_answers_apart()
    {
        var manifests = new MirrorSettings("m", "https://m.example/containers/images/{digest}", 0, ManifestUrl: "https://m.example/containers/manifests/{digest}");
        var view = new ManifestView(manifests, 2);
        var checker = Create();

        Assert.True(await checker.ExistsAsync(view, "pause", Digest(1), default));
        Assert.True(await checker.ExistsAsync(manifests, "pause", Digest(1), default));
        Assert.True(await checker.ExistsAsync(view, "pause", Digest(1), default));

        Assert.Equal(["/containers/manifests/" + Digest(1), "/containers/images/" + Digest(1)], _handler.Paths);
        Assert.Equal(string.Join(", ", Archeio.Oci.MediaTypes.ManifestMediaTypes.All), _handler.Accepts.First());
        Assert.Equal(string.Empty, _handler.Accepts.Last());

        // The view shares its store's breaker: out of rotation is out for both.
        checker.TakeOutOfRotation(manifests, "range: broken");
        Assert.False(await checker.ExistsAsync(view, "pause", Digest(1), default));
    }

    private BlobChecker Create(BlobCheckSettings? settings = null, MirrorInventories? inventories = null, IBlobResultStore? store = null)
    {
        var all = TestSettings.Create(mirrors: ImmutableArray.Create(Mirror, Other)) with { BlobCheck = settings ?? BlobCheckSettings.Default() };
        var checker = new BlobChecker(
            new StubHttpClientFactory(_handler),
            all,
            inventories ?? new MirrorInventories(),
            store ?? NullBlobResultStore.Instance,
            new BlobCheckCounters(),
            _time,
            NullLogger<BlobChecker>.Instance);
        _disposables.Add(checker);
        return checker;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition());
    }
}
