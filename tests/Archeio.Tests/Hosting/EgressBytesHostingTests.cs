using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using Archeio.Metrics;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Hosting;

/// <summary>
/// Bytes and cost per target at the HTTP surface: the server as configured, a real loopback mirror answering HEADs with
/// the blobs' sizes, requests through the handler, and what <c>/metrics</c> then says.
/// </summary>
public sealed class EgressBytesHostingTests
{
    private const int MetricsPort = 9090;
    private const string Layer = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private static readonly IPAddress Client = IPAddress.Parse("203.0.113.9");

    [Fact]
    public async Task GET_redirects_count_the_HEADs_sizes_for_their_mirror_and_the_cost_follows()
    {
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digests.Pause, new byte[3000]);
        mirror.Add(Layer, new byte[1234]);
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["PricePerGiB"] = "0.1" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "s3", ["BlobUrl"] = mirror.BlobUrlTemplate, ["PricePerGiB"] = "0.5" }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("s3") }),
            // A loaded machine's first HEAD (a connection, the JIT) must not fall through to the upstream.
            ["BlobCheck"] = new JsonObject { ["Timeout"] = "00:00:30" },
        });
        await using var factory = new ArcheioFactory(config.Path, new Hashtable());

        // Two GETs of one layer (a retry counts again), a HEAD (no body: not counted), another layer, and one no mirror
        // holds: to the upstream, whose size nothing said.
        foreach (var (method, digest) in new[] { ("GET", Digests.Pause), ("GET", Digests.Pause), ("HEAD", Digests.Pause), ("GET", Layer), ("GET", Digests.Missing) })
        {
            var context = await factory.SendRawAsync(method, "/v2/pause/blobs/" + digest, Client);
            Assert.Equal(307, context.Response.StatusCode);
        }

        var scrape = await factory.SendToPortAsync(MetricsPort, "GET", "/metrics");
        using var reader = new StreamReader(scrape.Response.Body);
        var text = await reader.ReadToEndAsync();
        var metrics = PrometheusText.Parse(text);

        Assert.Equal(2 * 3000 + 1234, metrics.Value(EgressMetrics.RedirectedBytesName, ("kind", "mirror"), ("target", "s3")));
        Assert.Equal(0, metrics.Value(EgressMetrics.UnknownSizeName, ("kind", "mirror"), ("target", "s3")));
        Assert.Equal(0, metrics.Value(EgressMetrics.RedirectedBytesName, ("kind", "upstream"), ("target", "default")));
        Assert.Equal(1, metrics.Value(EgressMetrics.UnknownSizeName, ("kind", "upstream"), ("target", "default")));
        Assert.Equal(7234 / 1073741824.0 * 0.5, metrics.Value(EgressMetrics.CostName, ("kind", "mirror"), ("target", "s3"))!.Value, 15);
        Assert.Equal(0, metrics.Value(EgressMetrics.CostName, ("kind", "upstream"), ("target", "default")));
        Assert.Contains(text.Split('\n'), l => l.StartsWith("# HELP " + EgressMetrics.RedirectedBytesName, StringComparison.Ordinal) && l.Contains("not necessarily downloaded", StringComparison.Ordinal));

        // One HEAD for the two layers the mirror holds (the cache kept both answers and sizes), one for the missing one.
        Assert.Equal(3, mirror.Requests.Count(r => r.StartsWith("HEAD ", StringComparison.Ordinal)));
    }
}
