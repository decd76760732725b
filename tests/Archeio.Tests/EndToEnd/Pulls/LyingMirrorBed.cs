using System.Globalization;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// The parts <see cref="LyingMirrorTests"/> adds to the pull bed: a mirror that lies, <c>liar</c>, in the bed's s3rver
/// under <c>lying/containers/images/{digest}</c>, holding one object only: a corrupted copy (one byte flipped, the same
/// length) of the last layer of <c>bed/single</c>, under that layer's digest, so its HEAD says it holds the layer; and
/// the configuration of an Archeio whose only rule (<c>Match:Networks: [127.0.0.0/8]</c>: the clients' own loopback
/// address, with no load balancer in between) proxies, listing the liar, in front of the bed's upstream. Each client
/// gets an Archeio of its own (<see cref="StartArcheioAsync"/>), so that each meets the liar with nothing known about it
/// (no breaker state, no cached answer) and its outcome is its own, whatever ran before.
/// Public only because xunit hands it to a public test class.
/// </summary>
public sealed class LyingMirrorBed(PullTestBed bed) : IAsyncLifetime, IDisposable
{
    internal const string Liar = "liar";
    internal const string Prefix = "lying/containers/images/";

    private TempConfig? _config;
    private ServerProcess? _archeio;

    internal BuiltImage Image => bed.Images["single"];

    /// <summary>The layer the liar holds wrong bytes of.</summary>
    internal string Layer => Image.SinglePlatform.LayerDigests[^1];

    /// <summary>Where in the layer the byte was flipped (its middle).</summary>
    internal long FlippedAt { get; private set; }

    internal static string Repository => PullTestBed.Repository("single");

    public async Task InitializeAsync()
    {
        var bytes = await File.ReadAllBytesAsync(Image.BlobPath(Layer));
        FlippedAt = bytes.Length / 2;
        bytes[FlippedAt] ^= 0xFF;
        await bed.S3Mirror.PutAsync(Prefix + Layer, bytes);

        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = bed.UpstreamRegistry.BaseUrl, ["Path"] = PullTestBed.UpstreamPath },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = Liar, ["BlobUrl"] = bed.S3Mirror.BucketUrl + "/" + Prefix + "{digest}" }),
            ["Rules"] = new JsonArray(new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("127.0.0.0/8") },
                ["Mirrors"] = new JsonArray(Liar),
                ["Action"] = "Proxy",
            }),
            ["BlobCheck"] = new JsonObject { ["Timeout"] = PullTestBed.BlobCheckTimeout.ToString("c", CultureInfo.InvariantCulture) },
        });
    }

    /// <summary>A fresh Archeio (the previous one stopped): nothing known about the liar yet.</summary>
    internal async Task<ServerProcess> StartArcheioAsync()
    {
        await StopArcheioAsync();
        _archeio = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config!.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
        return _archeio;
    }

    internal async Task StopArcheioAsync()
    {
        if (_archeio is not null)
        {
            await _archeio.DisposeAsync();
            _archeio = null;
        }
    }

    public Task DisposeAsync() => StopArcheioAsync();

    public void Dispose() => _config?.Dispose();
}
