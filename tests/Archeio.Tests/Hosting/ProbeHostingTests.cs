using System.Collections;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Blobs.Probes;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Hosting;

/// <summary>
/// Probes in the test host: the server probes on its own, a mirror that fails is out of rotation for the requests
/// (they go to the next candidate), and the reason is in <c>/readyz</c> and the metrics; mended, it comes back.
/// </summary>
public sealed class ProbeHostingTests : IAsyncLifetime, IDisposable
{
    private const int MetricsPort = 19_998;
    private ProbeTarget _cdn = null!;
    private ProbeTarget _bucket = null!;
    private TempConfig _config = null!;
    private ArcheioFactory _factory = null!;

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
            ["Metrics"] = new JsonObject { ["Port"] = MetricsPort },
        });
        _factory = new ArcheioFactory(_config.Path, new Hashtable());
        _ = _factory.Server;
    }

    public async Task DisposeAsync()
    {
        await _cdn.DisposeAsync();
        await _bucket.DisposeAsync();
    }

    public void Dispose()
    {
        _factory.Dispose();
        _config.Dispose();
    }

    [Fact]
    public async Task A_mirror_that_fails_its_probe_is_skipped_named_in_readyz_and_counted_until_it_passes()
    {
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Contains("out of rotation", StringComparison.Ordinal), "the cdn out of rotation in /readyz");

        var readyz = await _factory.SendToPortAsync(MetricsPort, HttpMethods.Get, "/readyz");
        Assert.Equal(200, readyz.Response.StatusCode);
        Assert.Matches(@"^ok\nmirror cdn: out of rotation for \d+ s \(since [0-9T:-]+Z\), probe failed: range: GET with Range: bytes=0-1023 answered 400\n$", await ReadyzAsync());

        // The blob is in both: with the cdn out, the request goes to the bucket.
        var redirect = await _factory.SendRawAsync(HttpMethods.Get, "/v2/pause/blobs/" + _cdn.Digest, System.Net.IPAddress.Parse("203.0.113.9"));
        Assert.Equal(307, redirect.Response.StatusCode);
        Assert.Equal(_bucket.BlobUrlTemplate.Replace("{digest}", _cdn.Digest, StringComparison.Ordinal), redirect.Response.Headers.Location.ToString());

        var metrics = PrometheusText.Parse(await MetricsAsync());
        Assert.Equal(2, metrics.Value("archeio_blob_check_breaker_state", ("mirror", "cdn")));
        Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "fail")) >= 1);
        Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "head"), ("outcome", "pass")) >= 1);
        Assert.Null(metrics.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "pass")));
        Assert.True(metrics.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "cdn")) >= 0);
        Assert.Null(metrics.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "bucket")));

        // Mended: the next probe passes, and the cdn is first again.
        _cdn.Mode = TargetMode.Good;
        await Eventually.TrueAsync(async () => await ReadyzAsync() == "ok\n", "the cdn back in rotation");
        var mended = PrometheusText.Parse(await MetricsAsync());
        Assert.Equal(0, mended.Value("archeio_blob_check_breaker_state", ("mirror", "cdn")));
        Assert.Equal(0, mended.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", "cdn")));
        Assert.True(mended.Value("archeio_probe_checks_total", ("mirror", "cdn"), ("check", "range"), ("outcome", "pass")) >= 1);
        var back = await _factory.SendRawAsync(HttpMethods.Get, "/v2/pause/blobs/" + _cdn.Digest, System.Net.IPAddress.Parse("203.0.113.9"));
        Assert.Equal(_cdn.BlobUrlTemplate.Replace("{digest}", _cdn.Digest, StringComparison.Ordinal), back.Response.Headers.Location.ToString());
    }

    private async Task<string> ReadyzAsync() => await BodyAsync("/readyz");

    private async Task<string> MetricsAsync() => await BodyAsync("/metrics");

    private async Task<string> BodyAsync(string path)
    {
        var context = await _factory.SendToPortAsync(MetricsPort, HttpMethods.Get, path);
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }
}
