using System.Net;
using Archeio.Blobs;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Hosting;
using Archeio.Ranges.Table;
using Archeio.Routing;
using Archeio.Upstreams;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Tests.Hosting;

/// <summary>
/// A blob request whose candidates' answers are already known (inventory, local cache) is decided without a
/// budget (no timer, no cancellation sources) and without asking <see cref="IBlobPresence.ExistsAsync"/>; a
/// candidate that is not known is checked as before, with the budget, and only from that candidate on.
/// </summary>
public sealed class KnownAnswerFastPathTests : IDisposable
{
    private const string Digest = "sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e";
    private static readonly MirrorSettings First = new("first", "https://first.example/b/{digest}", 0);
    private static readonly MirrorSettings Second = new("second", "https://second.example/b/{digest}", 1);

    private readonly MeterRecorder _recorder = new();
    private readonly CountingTimeProvider _time = new();
    private readonly Archeio.Logging.LogOutput _output = new(Stream.Null, TimeProvider.System);

    public void Dispose()
    {
        _recorder.Dispose();
        _output.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    [Fact]
    public async Task A_known_holder_answers_without_a_budget_or_a_check()
    {
        var blobs = new KnownBlobPresence { Known = { [First.Name] = true } };

        var response = await SendAsync(blobs);

        Assert.Equal(StatusCodes.Status307TemporaryRedirect, response.StatusCode);
        Assert.Equal("https://first.example/b/" + Digest, response.Headers.Location);
        Assert.Equal(0, _time.Timers);
        Assert.Empty(blobs.Asked);
    }

    [Fact]
    public async Task Known_absent_candidates_fall_through_to_the_upstream_without_a_budget()
    {
        var blobs = new KnownBlobPresence { Known = { [First.Name] = false, [Second.Name] = false } };

        var response = await SendAsync(blobs);

        Assert.Equal("https://registry.example/v2/project/images/pause/blobs/" + Digest, response.Headers.Location);
        Assert.Equal(0, _time.Timers);
        Assert.Empty(blobs.Asked);
    }

    [Fact]
    public async Task An_unknown_candidate_is_checked_with_the_budget_from_that_candidate_on()
    {
        var blobs = new KnownBlobPresence { Known = { [First.Name] = false }, Present = { Second.Name } };

        var response = await SendAsync(blobs);

        Assert.Equal("https://second.example/b/" + Digest, response.Headers.Location);
        Assert.Equal(1, _time.Timers);
        Assert.Equal([Second.Name], blobs.Asked);
    }

    [Fact]
    public async Task A_cached_answer_in_the_real_checker_is_known_and_counted_as_a_hit()
    {
        var settings = Settings();
        using var checker = new BlobChecker(
            new StubHttpClientFactory(new StubHttpHandler()), settings, new MirrorInventories(), NullBlobResultStore.Instance,
            new BlobCheckCounters(), TimeProvider.System, NullLogger<BlobChecker>.Instance);
        using var geo = NoGeo();
        var routing = Routing(settings, geo, checker);

        // Nothing known yet: only a check could tell, and none is counted as a hit.
        Assert.False(checker.TryGetKnown(First, "pause", Digest, out _));
        Assert.Equal(0, checker.Counters.CacheHits);

        checker.Cache.Set(new BlobKey(First.Index, DigestKey.From(Digest)), false, TimeSpan.FromMinutes(1));
        checker.Cache.Set(new BlobKey(Second.Index, DigestKey.From(Digest)), true, TimeSpan.FromMinutes(1));
        var routed = routing.RouteAsync("GET", "/v2/pause/blobs/" + Digest, IPAddress.Parse("192.0.2.1"), default, CancellationToken.None);

        Assert.True(routed.IsCompletedSuccessfully);
        var decision = Assert.IsType<Redirect>((await routed).Decision);
        Assert.Equal(Second, decision.Holder);
        Assert.Equal("https://second.example/b/" + Digest, decision.Location);
        Assert.Equal(2, checker.Counters.CacheHits);
    }

    private async Task<HttpResponse> SendAsync(IBlobPresence blobs)
    {
        var settings = Settings();
        using var geo = NoGeo();
        var handler = new RegistryHandler(
            settings, Routing(settings, geo, blobs, _time), new Archeio.Metrics.RequestMetrics(_recorder.Meter), ProxyForwarders.For(settings),
            new Archeio.Logging.AccessLog(_output, json: true, enabled: true, _time), _time);
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Features.Get<IHttpRequestFeature>()!.RawTarget = "/v2/pause/blobs/" + Digest;
        context.Connection.RemoteIpAddress = IPAddress.Parse("192.0.2.1");
        await handler.InvokeAsync(context);
        return context.Response;
    }

    private static RequestRouter Routing(ArcheioSettings settings, GeoLookup geo, IBlobPresence blobs, TimeProvider? time = null)
        => new(new Router(settings), new ClientIpResolver(settings.ClientIp), new IpRangeTableHolder(), geo, blobs, new UpstreamHealthBoard(settings, TimeProvider.System), settings, time ?? TimeProvider.System);

    private static GeoLookup NoGeo() => new(GeoSettings.None, NullLogger<GeoLookup>.Instance);

    private static ArcheioSettings Settings()
        => TestSettings.Create(
            mirrors: [First, Second],
            rules: [new RuleSettings(null, [], [First, Second])]);

    /// <summary>Answers from a table of known answers; records which mirrors had to be asked.</summary>
    private sealed class KnownBlobPresence : IBlobPresence
    {
        public Dictionary<string, bool> Known { get; } = [];

        public HashSet<string> Present { get; } = [];

        public List<string> Asked { get; } = [];

        public ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget)
        {
            Asked.Add(mirror.Name);
            return ValueTask.FromResult(Known.TryGetValue(mirror.Name, out var known) ? known : Present.Contains(mirror.Name));
        }

        public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present)
            => Known.TryGetValue(mirror.Name, out present);
    }

    /// <summary>The system clock, counting the timers created (a budget's CancellationTokenSource makes one).</summary>
    private sealed class CountingTimeProvider : TimeProvider
    {
        public int Timers { get; private set; }

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Timers++;
            return System.CreateTimer(callback, state, dueTime, period);
        }
    }
}
