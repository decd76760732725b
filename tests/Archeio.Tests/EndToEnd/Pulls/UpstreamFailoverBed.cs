using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// The parts <see cref="UpstreamFailoverTests"/> adds to the pull bed: two Distribution upstreams of their own,
/// <see cref="First"/> and <see cref="Second"/>, both holding <c>bed/multi</c> (pushed by skopeo, so the same digests),
/// and an Archeio whose only rule (empty match: loopback clients fit it) lists the bed's s3 mirror (blobs and
/// platform manifests by digest) and the upstreams <c>default</c> (the first) then <c>second</c>, probed every second.
/// Clients pull from that Archeio directly. Public only because xunit hands it to a public test class.
/// </summary>
public sealed class UpstreamFailoverBed(PullTestBed bed) : IAsyncLifetime, IDisposable
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    internal const int FailAfter = 3;

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
    private TempConfig? _config;
    private bool _firstKilled;

    internal RegistryProcess First { get; private set; } = null!;

    internal RegistryProcess Second { get; private set; } = null!;

    internal ServerProcess Archeio { get; private set; } = null!;

    internal HttpClient Http => _http;

    internal BuiltImage Image => bed.Images["multi"];

    /// <summary>The tag request every client sends first, as Archeio sees it.</summary>
    internal static string TagPath => $"/v2/{PullTestBed.Repository("multi")}/manifests/{PullTestBed.Tag}";

    /// <summary>The reference clients pull.</summary>
    internal string Reference => $"127.0.0.1:{Archeio.Port.ToString(CultureInfo.InvariantCulture)}/{PullTestBed.Repository("multi")}:{PullTestBed.Tag}";

    public async Task InitializeAsync()
    {
        var first = RegistryProcess.StartAsync("first");
        var second = RegistryProcess.StartAsync("second");
        First = await first;
        Second = await second;
        foreach (var registry in new[] { First, Second })
        {
            await Skopeo.PushAsync(Image, registry.HostPort, PullTestBed.UpstreamRepository("multi"), PullTestBed.Tag);
        }

        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = First.BaseUrl, ["Path"] = PullTestBed.UpstreamPath },
            ["Upstreams"] = new JsonArray(new JsonObject
            {
                ["Name"] = "second",
                ["Endpoint"] = Second.BaseUrl,
                ["Path"] = PullTestBed.UpstreamPath,
                ["ProbeManifest"] = PullTestBed.Repository("multi") + ":" + PullTestBed.Tag,
            }),
            ["Mirrors"] = new JsonArray(new JsonObject
            {
                ["Name"] = PullTestBed.S3,
                ["BlobUrl"] = bed.S3Mirror.BucketUrl + "/containers/images/{digest}",
                ["ManifestUrl"] = bed.S3Mirror.BucketUrl + "/containers/manifests/{digest}",
            }),
            ["Rules"] = new JsonArray(new JsonObject
            {
                ["Match"] = new JsonObject(),
                ["Mirrors"] = new JsonArray(PullTestBed.S3),
                ["Upstreams"] = new JsonArray("default", "second"),
            }),
            ["UpstreamHealth"] = new JsonObject
            {
                ["Interval"] = Interval.ToString("c", CultureInfo.InvariantCulture),
                ["Timeout"] = ProbeTimeout.ToString("c", CultureInfo.InvariantCulture),
                ["FailAfter"] = FailAfter,
                ["RecoverAfter"] = 2,
            },
            ["BlobCheck"] = new JsonObject { ["Timeout"] = PullTestBed.BlobCheckTimeout.ToString("c", CultureInfo.InvariantCulture) },
        });
        Archeio = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
    }

    /// <summary>Kills the first upstream (its process stopped, its port closed: connections refused) and returns when it is gone.</summary>
    internal async Task KillFirstAsync()
    {
        _firstKilled = true;
        await First.DisposeAsync();
    }

    /// <summary>Archeio's access-log entries since <paramref name="mark"/>, complete.</summary>
    internal Task<IReadOnlyList<JsonElement>> AccessSinceAsync(int mark) => Archeio.AccessLogSinceAsync(_http, mark);

    public async Task DisposeAsync()
    {
        if (Archeio is not null)
        {
            await Archeio.DisposeAsync();
        }

        if (First is not null && !_firstKilled)
        {
            await First.DisposeAsync();
        }

        if (Second is not null)
        {
            await Second.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _config?.Dispose();
        _http.Dispose();
    }
}
