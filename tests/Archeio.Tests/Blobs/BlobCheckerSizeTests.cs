using System.Collections.Immutable;
using System.Net;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs;

/// <summary>The size a present answer gives (the HEAD's <c>Content-Length</c>), kept with it locally and in the shared store.</summary>
public sealed class BlobCheckerSizeTests : IDisposable
{
    private static readonly MirrorSettings Mirror = new("m", "https://m.example/containers/images/{digest}", 0);
    private static readonly MirrorSettings Other = new("o", "https://o.example/containers/images/{digest}", 1);

    private readonly LengthHandler _handler = new();
    private readonly FakeTimeProvider _time = new();
    private readonly List<IDisposable> _disposables = [];

    public void Dispose()
    {
        _disposables.ForEach(d => d.Dispose());
        _handler.Dispose();
    }

    [Fact]
    public async Task The_HEADs_content_length_is_kept_with_the_answer_and_shared()
    {
        var store = new MemoryResultStore();
        var checker = Create(store);
        _handler.Length = 6_442_450_944;

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digests.Pause, default));

        Assert.True(checker.TryGetKnown(Mirror, "pause", Digests.Pause, out var present, out var size));
        Assert.True(present);
        Assert.Equal(6_442_450_944, size);
        Assert.Equal(6_442_450_944, checker.SizeOf(Mirror, "pause", Digests.Pause));
        Assert.Equal(6_442_450_944, store.SizeOf(Mirror, Digests.Pause));
    }

    [Fact]
    public async Task A_HEAD_without_content_length_and_an_absent_answer_give_no_size()
    {
        var store = new MemoryResultStore();
        var checker = Create(store);
        _handler.Length = null;

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digests.Pause, default));
        _handler.Status = HttpStatusCode.NotFound;
        _handler.Length = 9;
        Assert.False(await checker.ExistsAsync(Other, "pause", Digests.Pause, default));

        Assert.Equal(-1, checker.SizeOf(Mirror, "pause", Digests.Pause));
        Assert.Equal(-1, store.SizeOf(Mirror, Digests.Pause));
        Assert.True(checker.TryGetKnown(Other, "pause", Digests.Pause, out _, out var size));
        Assert.Equal(-1, size);
        Assert.Equal(-1, store.SizeOf(Other, Digests.Pause));
    }

    [Fact]
    public async Task Another_replicas_answer_brings_its_size_without_a_HEAD()
    {
        var store = new MemoryResultStore();
        store.Set(Mirror, Digests.Pause, present: true, TimeSpan.FromHours(1), size: 4242);
        var checker = Create(store);

        Assert.True(await checker.ExistsAsync(Mirror, "pause", Digests.Pause, default));

        Assert.Equal(0, _handler.Count);
        Assert.Equal(4242, checker.SizeOf(Mirror, "pause", Digests.Pause));
    }

    [Fact]
    public async Task With_no_holder_any_candidates_present_answer_gives_the_size()
    {
        var checker = Create(NullBlobResultStore.Instance);
        _handler.Length = 777;
        Assert.True(await checker.ExistsAsync(Other, "pause", Digests.Pause, default));

        Assert.Equal(777, checker.SizeOf(null, "pause", Digests.Pause));
        Assert.Equal(-1, checker.SizeOf(null, "pause", Digests.Missing));
    }

    [Fact]
    public void An_inventory_hit_is_present_with_its_size_unknown()
    {
        var inventories = new MirrorInventories();
        inventories.Replace(0, new HashSet<Archeio.Blobs.Cache.DigestKey> { Archeio.Blobs.Cache.DigestKey.From(Digests.Pause) });
        var checker = Create(NullBlobResultStore.Instance, inventories);

        Assert.True(checker.TryGetKnown(Mirror, "pause", Digests.Pause, out var present, out var size));
        Assert.True(present);
        Assert.Equal(-1, size);
    }

    [Fact]
    public void An_inventory_line_with_a_size_gives_it_without_a_HEAD()
    {
        var inventories = new MirrorInventories();
        Assert.True(InventoryParser.TryParse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Digests.Pause + " 31337\n")), out var digests, out _, out _));
        inventories.Replace(0, digests);
        var checker = Create(NullBlobResultStore.Instance, inventories);

        Assert.True(checker.TryGetKnown(Mirror, "pause", Digests.Pause, out var present, out var size));
        Assert.True(present);
        Assert.Equal(31337, size);
        Assert.Equal(31337, checker.SizeOf(Mirror, "pause", Digests.Pause));
        Assert.Equal(31337, checker.SizeOf(null, "pause", Digests.Pause));
        Assert.Equal(0, _handler.Count);
    }

    private BlobChecker Create(IBlobResultStore store, MirrorInventories? inventories = null)
    {
        var all = TestSettings.Create(mirrors: ImmutableArray.Create(Mirror, Other)) with { BlobCheck = BlobCheckSettings.Default() };
        var checker = new BlobChecker(
            new StubHttpClientFactory(_handler),
            all,
            inventories ?? new MirrorInventories(),
            store,
            new BlobCheckCounters(),
            _time,
            NullLogger<BlobChecker>.Instance);
        _disposables.Add(checker);
        return checker;
    }

    /// <summary>Answers every HEAD with <see cref="Status"/> and, when set, a <c>Content-Length</c> of <see cref="Length"/>.</summary>
    private sealed class LengthHandler : HttpMessageHandler
    {
        private int _count;

        public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

        public long? Length { get; set; }

        public int Count => Volatile.Read(ref _count);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _count);
            var response = new HttpResponseMessage(Status) { RequestMessage = request, Content = new ByteArrayContent([]) };
            response.Content.Headers.ContentLength = Length;
            return Task.FromResult(response);
        }
    }
}
