using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Tests.Blobs;

/// <summary>The HEAD check against a real HTTP server on loopback.</summary>
public sealed class BlobCheckerHttpTests : IAsyncLifetime
{
    private LoopbackMirror _mirror = null!;
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        _mirror = await LoopbackMirror.StartAsync();
        var services = new ServiceCollection();
        BlobChecker.AddHttpClient(services);
        _services = services.BuildServiceProvider();
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    [Fact]
    public async Task A_held_blob_is_present_and_cached()
    {
        _mirror.Add(Digests.Pause);
        using var presence = Create(maxEntries: 10);
        var mirror = new MirrorSettings("m", _mirror.BlobUrlTemplate);

        Assert.True(await presence.ExistsAsync(mirror, "pause", Digests.Pause, default));
        Assert.True(await presence.ExistsAsync(mirror, "pause", Digests.Pause, default));

        Assert.Equal(["HEAD /containers/images/" + Digests.Pause], _mirror.Requests);
    }

    [Fact]
    public async Task An_absent_blob_is_cached_as_absent()
    {
        using var presence = Create(maxEntries: 10);
        var mirror = new MirrorSettings("m", _mirror.BlobUrlTemplate);

        Assert.False(await presence.ExistsAsync(mirror, "pause", Digests.Missing, default));
        Assert.False(await presence.ExistsAsync(mirror, "pause", Digests.Missing, default));

        Assert.Single(_mirror.Requests);
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(307)]
    [InlineData(403)]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(204)]
    public async Task Anything_but_200_is_absent(int status)
    {
        _mirror.ForcedStatus = status;
        using var presence = Create(maxEntries: 10);

        Assert.False(await presence.ExistsAsync(new MirrorSettings("m", _mirror.BlobUrlTemplate), "pause", Digests.Pause, default));
        Assert.Equal(status >= 500 ? 0 : 1, presence.Cache.Count);
    }

    [Fact]
    public async Task A_mirror_redirect_is_absent_and_not_followed()
    {
        _mirror.Add(Digests.Pause);
        using var presence = Create(maxEntries: 10);
        var mirror = new MirrorSettings("m", _mirror.BaseUrl + "/redirect/{digest}");

        Assert.False(await presence.ExistsAsync(mirror, "pause", Digests.Pause, default));

        Assert.Equal(["HEAD /redirect/" + Digests.Pause], _mirror.Requests);
    }

    [Fact]
    public async Task A_refused_connection_is_absent()
    {
        using var presence = Create(maxEntries: 10);
        // Port 1 on loopback: nothing listens there.
        var mirror = new MirrorSettings("dead", "http://127.0.0.1:1/{digest}");

        Assert.False(await presence.ExistsAsync(mirror, "pause", Digests.Pause, default));
    }

    [Fact]
    public async Task The_cache_is_bounded_in_entries()
    {
        const int max = 50;
        var digests = Enumerable.Range(0, 4 * max).Select(i => "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        digests.ForEach(d => _mirror.Add(d));
        using var presence = Create(maxEntries: max);
        var mirror = new MirrorSettings("m", _mirror.BlobUrlTemplate);

        foreach (var digest in digests)
        {
            Assert.True(await presence.ExistsAsync(mirror, "pause", digest, default));
            Assert.True(presence.Cache.Count <= max, $"cache holds {presence.Cache.Count} entries, more than {max}");
        }
    }

    private BlobChecker Create(int maxEntries)
        => new(
            _services.GetRequiredService<IHttpClientFactory>(),
            // Each test's mirror is index 0, the one mirror configured here.
            TestSettings.Create(mirrors: [new MirrorSettings("m", _mirror.BlobUrlTemplate)], maxEntries: maxEntries),
            new MirrorInventories(),
            NullBlobResultStore.Instance,
            new BlobCheckCounters(),
            TimeProvider.System,
            NullLogger<BlobChecker>.Instance);
}
