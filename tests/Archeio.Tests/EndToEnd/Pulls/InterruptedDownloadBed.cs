using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// The parts <see cref="InterruptedDownloadTests"/> adds to the pull bed: a <see cref="FaultProxy"/> in front of the
/// static mirror, one in front of s3rver (which lacks the large layer), one in front of the static mirror playing the
/// broken CDN, and one in front of the upstream; and per scenario an Archeio of its own, started when the scenario
/// first runs, whose only rule (empty match: loopback clients fit it) lists that scenario's mirror proxy and whose
/// upstream is the upstream proxy. Clients pull from that Archeio directly. It also keeps the table of what each
/// client did, written to <c>artifacts/test-results/interrupted-downloads.md</c> after every row.
/// Public only because xunit hands it to a public test class.
/// </summary>
public sealed class InterruptedDownloadBed(PullTestBed bed) : IAsyncLifetime, IDisposable
{
    /// <summary>Where the proxies cut the large layer's body: an eighth of its 64 MiB.</summary>
    internal const long CutAfterBytes = 8L << 20;

    internal const string MirrorName = "mirror";
    internal const string CdnName = "cdn";

    /// <summary>Probe often, so that the broken CDN is ejected within seconds of Archeio's start.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<CutScenario, Lazy<Task<ServerProcess>>> _archeios = new();
    private readonly ConcurrentQueue<TempConfig> _configs = new();
    private readonly ConcurrentQueue<InterruptedDownloadRow> _rows = new();
    private readonly Lock _tableLock = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    internal FaultProxy StaticMirror { get; private set; } = null!;

    internal FaultProxy S3Mirror { get; private set; } = null!;

    internal FaultProxy Cdn { get; private set; } = null!;

    internal FaultProxy UpstreamProxy { get; private set; } = null!;

    internal IReadOnlyList<FaultProxy> Proxies => [StaticMirror, S3Mirror, Cdn, UpstreamProxy];

    internal BuiltImage Image => bed.Images["large"];

    /// <summary>The 64 MiB layer, the blob that is cut.</summary>
    internal string Layer => Image.SinglePlatform.LayerDigests[0];

    /// <summary>The probe's blob: the smallest blob of the bed the static mirror holds (a gzip layer of <c>bed/single</c>).</summary>
    internal string ProbeDigest { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The scenarios rest on where the bed seeded the large layer: in the static mirror, not in s3.
        Assert.Equal(PullTestBed.Static, bed.ExpectedBackend(PullTestBed.NoCloud, Layer));
        Assert.Equal(PullTestBed.Upstream, bed.ExpectedBackend(PullTestBed.AwsEuWest3, Layer));
        var single = bed.Images["single"];
        ProbeDigest = single.BlobDigests.Where(d => bed.ExpectedBackend(PullTestBed.NoCloud, d) == PullTestBed.Static)
            .MinBy(d => single.BlobSizes[d])!;

        StaticMirror = await FaultProxy.StartAsync("static mirror", bed.Nginx.StaticBaseUrl);
        S3Mirror = await FaultProxy.StartAsync("s3 mirror", bed.S3Mirror.BucketUrl);
        Cdn = await FaultProxy.StartAsync("cdn", bed.Nginx.StaticBaseUrl);
        UpstreamProxy = await FaultProxy.StartAsync("upstream", bed.UpstreamRegistry.BaseUrl);
    }

    /// <summary>The proxy whose GETs of the layer are cut in a scenario (and, with probes, the one that must see none).</summary>
    internal FaultProxy CutAt(CutScenario scenario) => scenario switch
    {
        CutScenario.Mirror => StaticMirror,
        CutScenario.Upstream => UpstreamProxy,
        _ => Cdn,
    };

    /// <summary>The mirror proxy Archeio's rule lists in a scenario.</summary>
    internal FaultProxy MirrorOf(CutScenario scenario) => scenario switch
    {
        CutScenario.Mirror => StaticMirror,
        CutScenario.Upstream => S3Mirror,
        _ => Cdn,
    };

    /// <summary>
    /// Sets the scenario's faults (re-arming the first-GET cuts for the next pull), every other proxy passing all.
    /// The CDN cuts every plain GET of the layer, not only the first: finishing the layer from it takes a resume,
    /// which it refuses, even for podman, which runs a failed pull again up to 3 times (a first-GET cut would let
    /// its second run through whole and hide the broken CDN).
    /// </summary>
    internal void Arm(CutScenario scenario)
    {
        foreach (var proxy in Proxies)
        {
            proxy.Plan = FaultPlan.None;
        }

        CutAt(scenario).Plan = scenario switch
        {
            CutScenario.Mirror or CutScenario.Upstream => new FaultPlan(Layer, CutAfterBytes, CutPolicy.FirstGet),
            _ => new FaultPlan(Layer, CutAfterBytes, CutPolicy.EveryGet, RefuseRanges: true),
        };
    }

    /// <summary>The scenario's Archeio, started on first use (a failed start fails every test of the scenario alike).</summary>
    internal Task<ServerProcess> ArcheioAsync(CutScenario scenario)
        => _archeios.GetOrAdd(scenario, s => new Lazy<Task<ServerProcess>>(() => StartArcheioAsync(s))).Value;

    /// <summary>Archeio's access-log entries since <paramref name="mark"/>, complete (<see cref="ServerProcess.AccessLogSinceAsync"/>).</summary>
    internal Task<IReadOnlyList<JsonElement>> ArcheioAccessSinceAsync(ServerProcess archeio, int mark) => archeio.AccessLogSinceAsync(_http, mark);

    /// <summary>The breaker state Archeio reports for the scenario's mirror (0 closed, 1 half-open, 2 open).</summary>
    internal async Task<double?> BreakerStateAsync(ServerProcess archeio, string mirror)
        => (await PrometheusText.ScrapeAsync(_http, archeio.MetricsAddress)).Value("archeio_blob_check_breaker_state", ("mirror", mirror));

    internal void Record(InterruptedDownloadRow row)
    {
        _rows.Enqueue(row);
        WriteTable();
    }

    private async Task<ServerProcess> StartArcheioAsync(CutScenario scenario)
    {
        var mirrorName = scenario is CutScenario.CdnWithoutProbes or CutScenario.CdnWithProbes ? CdnName : MirrorName;
        var mirror = new JsonObject { ["Name"] = mirrorName, ["BlobUrl"] = MirrorOf(scenario).BaseUrl + "/containers/images/{digest}" };
        var config = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = UpstreamProxy.BaseUrl, ["Path"] = PullTestBed.UpstreamPath },
            ["Mirrors"] = new JsonArray(mirror),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray(mirrorName) }),
            ["BlobCheck"] = new JsonObject { ["Timeout"] = PullTestBed.BlobCheckTimeout.ToString("c", CultureInfo.InvariantCulture) },
        };
        if (scenario == CutScenario.CdnWithProbes)
        {
            mirror["Probe"] = ProbeDigest;
            config["Probes"] = new JsonObject
            {
                ["Interval"] = ProbeInterval.ToString("c", CultureInfo.InvariantCulture),
                ["Timeout"] = TimeSpan.FromSeconds(5).ToString("c", CultureInfo.InvariantCulture),
            };
        }

        var file = new TempConfig(config);
        _configs.Enqueue(file);
        return await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = file.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
    }

    /// <summary>Writes the table as Markdown, which scripts/test.sh prints at the end of the run; rewritten after every row, so a failing or aborted run still leaves it.</summary>
    private void WriteTable()
    {
        lock (_tableLock)
        {
            var rows = _rows.OrderBy(r => r.Scenario).ThenBy(r => r.Client, StringComparer.Ordinal).ToList();
            var text = new StringBuilder();
            text.AppendLine(CultureInfo.InvariantCulture, $"Interrupted downloads of `bed/large` (one {Image.BlobSizes[Layer] >> 20} MiB layer) pulled through Archeio, a fault proxy cutting the layer's body after {CutAfterBytes >> 20} MiB:");
            text.AppendLine("(a) at the mirror, its first GET only; (b) at the upstream (the mirror lacks the layer), its first GET only;");
            text.AppendLine("(c) at a mirror playing the broken CDN, which answers every request with `Range` with 400 and cuts every GET of the layer.");
            text.AppendLine("What each client did is read from the proxies' logs and Archeio's access log (a follow-up GET Archeio answered came back through it).");
            text.AppendLine();
            text.AppendLine("| scenario | client | after the cut | outcome | digest | layer GETs (proxy log) | time |");
            text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
            foreach (var row in rows)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"| {Title(row.Scenario)} | {row.Client} | {Cell(row.Behaviour)} | {Cell(row.Outcome)} | {row.DigestCheck} | {Cell(row.Requests)} | {row.Elapsed.TotalSeconds:F1} s |");
            }

            var directory = Path.Combine(Tools.RepositoryRoot, "artifacts", "test-results");
            Directory.CreateDirectory(directory);
            File.WriteAllText(Path.Combine(directory, "interrupted-downloads.md"), text.ToString());
        }
    }

    private static string Cell(string text) => text.Replace('|', '/').Replace('\n', ' ');

    internal static string Title(CutScenario scenario) => scenario switch
    {
        CutScenario.Mirror => "(a) mirror cuts once",
        CutScenario.Upstream => "(b) upstream cuts once",
        CutScenario.CdnWithoutProbes => "(c) CDN 400s Range, cuts every GET; no probes",
        _ => "(c) CDN 400s Range, cuts every GET; probes",
    };

    public async Task DisposeAsync()
    {
        if (!_rows.IsEmpty)
        {
            WriteTable();
        }

        foreach (var archeio in _archeios.Values.Where(l => l.IsValueCreated).Select(l => l.Value))
        {
            if (archeio.IsCompletedSuccessfully)
            {
                await archeio.Result.DisposeAsync();
            }
        }

        foreach (var proxy in new[] { StaticMirror, S3Mirror, Cdn, UpstreamProxy })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

    }

    public void Dispose()
    {
        while (_configs.TryDequeue(out var config))
        {
            config.Dispose();
        }

        _http.Dispose();
    }
}
