using System.Net;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// Runs <see cref="MetricsTests"/>' script once: the real server with two loopback mirrors and the real cloud ranges,
/// the requests in order, one at a time (so that cache hits are certain), then one scrape of <c>/metrics</c>.
/// </summary>
public sealed class MetricsScriptFixture : IAsyncLifetime, IDisposable
{
    private const string Paris = "35.180.1.1, 127.0.0.1";
    private const string Gcp = "35.220.26.1, 127.0.0.1";

    // (method, target, X-Forwarded-For, status): sent in order, one at a time, so cache hits are certain.
    internal static readonly (string Method, string Target, string? ForwardedFor, HttpStatusCode Status)[] Script =
    [
        ("GET", "/v2/pause/blobs/" + Digests.Pause, Paris, HttpStatusCode.TemporaryRedirect),   // HEAD paris: present; cache miss
        ("GET", "/v2/pause/blobs/" + Digests.Pause, Paris, HttpStatusCode.TemporaryRedirect),   // cache hit
        ("GET", "/v2/pause/blobs/" + Digests.Missing, Paris, HttpStatusCode.TemporaryRedirect), // HEAD paris: absent; cache miss
        ("GET", "/v2/pause/blobs/" + Digests.Pause, Gcp, HttpStatusCode.TemporaryRedirect),     // GCP rule: upstream, no check
        ("GET", "/v2/pause/blobs/" + Digests.Pause, null, HttpStatusCode.TemporaryRedirect),    // HEAD cdn: present; cache miss
        ("HEAD", "/v2/pause/blobs/" + Digests.Pause, null, HttpStatusCode.TemporaryRedirect),   // cache hit
        ("GET", "/v2/pause/manifests/latest", null, HttpStatusCode.TemporaryRedirect),
        ("GET", "/v2/pause/tags/list", null, HttpStatusCode.TemporaryRedirect),
        ("GET", "/v2/pause/referrers/" + Digests.Pause, null, HttpStatusCode.TemporaryRedirect),
        ("GET", "/v2/pause/../etcd/manifests/latest", null, HttpStatusCode.NotFound),
        ("GET", "/metrics", null, HttpStatusCode.NotFound),
        ("POST", "/v2/pause/blobs/uploads/", null, HttpStatusCode.MethodNotAllowed),
    ];

    private LoopbackMirror _paris = null!;
    private LoopbackMirror _cdn = null!;
    private TempConfig _config = null!;
    private ServerProcess _server = null!;
    private HttpClient _http = null!;
    internal PrometheusText Metrics { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _paris = await LoopbackMirror.StartAsync();
        _cdn = await LoopbackMirror.StartAsync();
        _paris.Add(Digests.Pause, new byte[1234]);
        _cdn.Add(Digests.Pause, new byte[99]);
        _config = new TempConfig(Config(_paris, _cdn));
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        foreach (var (method, target, forwardedFor, status) in Script)
        {
            var uri = new Uri(_server.BaseAddress + target.TrimStart('/'), new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });
            using var request = new HttpRequestMessage(new HttpMethod(method), uri);
            if (forwardedFor is not null)
            {
                request.Headers.Add("X-Forwarded-For", forwardedFor);
            }

            using var response = await _http.SendAsync(request);
            Assert.Equal(status, response.StatusCode);
        }

        Metrics = await PrometheusText.ScrapeAsync(_http, _server.MetricsAddress);
    }

    public void Dispose()
    {
        _http?.Dispose();
        _config?.Dispose();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _paris.DisposeAsync();
        await _cdn.DisposeAsync();
    }

    internal static JsonObject Config(LoopbackMirror paris, LoopbackMirror cdn) => new()
    {
        ["InfoUrl"] = "https://info.example/",
        ["PrivacyUrl"] = "https://info.example/privacy",
        ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["Path"] = "images", ["SignatureEndpoint"] = "https://sig.example" },
        ["Mirrors"] = new JsonArray(
            new JsonObject { ["Name"] = "paris", ["BlobUrl"] = paris.BlobUrlTemplate },
            new JsonObject { ["Name"] = "cdn", ["BlobUrl"] = cdn.BlobUrlTemplate }),
        ["Rules"] = new JsonArray(
            new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "GCP" }, ["Mirrors"] = new JsonArray() },
            new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") }, ["Mirrors"] = new JsonArray("paris") },
            new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("cdn") }),
    };

}
