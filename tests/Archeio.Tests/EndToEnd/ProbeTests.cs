using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Blobs.Probes;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// Probes in the real process (its metrics are its own, not shared with other hosts in the test process): the server
/// probes on its own, a mirror that fails is out of rotation for the requests (they go to the next candidate), the
/// reason is in the log, <c>/readyz</c> and the metrics; mended, the mirror comes back.
/// </summary>
public sealed class ProbeTests : IAsyncLifetime, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false });
    private ProbeTarget _cdn = null!;
    private ProbeTarget _bucket = null!;
    private TempConfig _config = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _cdn = await ProbeTarget.StartAsync(5000);
        _bucket = await ProbeTarget.StartAsync(5000);
        _cdn.Mode = TargetMode.RangeRefused;
        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(
                new JsonObject { ["Name"] = "cdn", ["BlobUrl"] = _cdn.BlobUrlTemplate, ["Probe"] = _cdn.Digest },
                new JsonObject { ["Name"] = "bucket", ["BlobUrl"] = _bucket.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("cdn", "bucket") }),
            ["Probes"] = new JsonObject { ["Interval"] = "00:00:01" },
        });
        _server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = _config.Path });
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _cdn.DisposeAsync();
        await _bucket.DisposeAsync();
    }

    public void Dispose()
    {
        _http.Dispose();
        _config.Dispose();
    }

    [Fact]
    public async Task A_mirror_that_fails_its_probe_is_skipped_named_in_readyz_log_and_metrics_until_it_passes()
    {
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Body.Contains("out of rotation", StringComparison.Ordinal), "the cdn out of rotation in /readyz");

        var (status, body) = await ReadyzAsync();
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Matches(@"^ok\nmirror cdn: out of rotation for \d+ s \(since [0-9T:-]+Z\), probe failed: range: GET with Range: bytes=0-1023 answered 400\n$", body);
        await _server.WaitForLineAsync(line => IsEvent(line, 80) && line.Contains("range: GET with Range: bytes=0-1023 answered 400", StringComparison.Ordinal), "event 80 naming the refused range");

        // The blob is in both: with the cdn out, the request goes to the bucket.
        Assert.Equal(_bucket.BlobUrlTemplate.Replace("{digest}", _cdn.Digest, StringComparison.Ordinal), await RedirectAsync());

        var metrics = await PrometheusText.ScrapeAsync(_http, _server.MetricsAddress);
        Assert.Equal(2, metrics.Value("archeio_blob_check_breaker_state", ("mirror", "cdn")));
        Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "fail")) >= 1);
        Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "head"), ("outcome", "pass")) >= 1);
        Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "content"), ("outcome", "pass")) >= 1);
        Assert.Null(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "pass")));
        Assert.True(metrics.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "cdn")) >= 0);
        Assert.Null(metrics.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "bucket")));

        // Mended: the next probe passes, and the cdn is first again.
        _cdn.Mode = TargetMode.Good;
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Body == "ok\n", "the cdn back in rotation");
        var mended = await PrometheusText.ScrapeAsync(_http, _server.MetricsAddress);
        Assert.Equal(0, mended.Value("archeio_blob_check_breaker_state", ("mirror", "cdn")));
        Assert.Equal(0, mended.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "cdn")));
        Assert.True(mended.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "pass")) >= 1);
        await _server.WaitForLineAsync(line => IsEvent(line, 81), "event 81 (back in rotation)");
        Assert.Equal(_cdn.BlobUrlTemplate.Replace("{digest}", _cdn.Digest, StringComparison.Ordinal), await RedirectAsync());
        // Requests never probe: the unprobed bucket saw only the HEAD of the one blob request routed to it.
        Assert.Equal(["HEAD "], _bucket.Requests);
    }

    private static bool IsEvent(string line, int id)
    {
        using var entry = JsonDocument.Parse(line);
        return entry.RootElement.GetProperty("EventId").GetInt32() == id;
    }

    private async Task<string> RedirectAsync()
    {
        using var response = await _http.GetAsync(new Uri(_server.BaseAddress, "/v2/pause/blobs/" + _cdn.Digest));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        return response.Headers.Location!.OriginalString;
    }

    private async Task<(HttpStatusCode Status, string Body)> ReadyzAsync()
    {
        using var response = await _http.GetAsync(new Uri(_server.MetricsAddress, "/readyz"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
