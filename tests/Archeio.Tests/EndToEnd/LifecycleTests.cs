using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// The operations port of the real server process (<c>/healthz</c>, <c>/readyz</c>), readiness, and the drain after
/// SIGTERM. Every wait is on something the process shows (a response, a log line, its exit), bounded by a timeout.
/// </summary>
public sealed class LifecycleTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("/healthz", HttpStatusCode.OK, "ok\n")]
    [InlineData("/readyz", HttpStatusCode.OK, "ok\n")]
    [InlineData("/anything-else", HttpStatusCode.NotFound, "404 page not found\n")]
    public async Task The_operations_port_answers_the_probes(string path, HttpStatusCode status, string body)
    {
        await using var server = await StartAsync(new JsonObject());
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(server.MetricsAddress, path));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("HEAD", "/healthz", "200 OK", false)]
    [InlineData("head", "/healthz", "200 OK", true)]
    [InlineData("get", "/readyz", "200 OK", true)]
    [InlineData("head", "/nothing", "404 Not Found", true)]
    public async Task Only_exactly_HEAD_skips_the_body_on_the_operations_port(string method, string path, string status, bool hasBody)
    {
        await using var server = await StartAsync(new JsonObject());

        // Raw: HttpClient would upper-case the method. Kestrel holds any method but HEAD to its Content-Length.
        var (response, _, closed) = await RawHttp.SendAsync(
            server.MetricsPort, $"{method} {path} HTTP/1.1\r\nHost: ops\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.True(closed);
        Assert.StartsWith("HTTP/1.1 " + status + "\r\n", response, StringComparison.Ordinal);
        var body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        Assert.Equal(hasBody, body.Length > 0);
    }

    [Fact]
    public async Task The_public_port_answers_the_operations_paths_as_any_unknown_path()
    {
        await using var server = await StartAsync(new JsonObject());
        using var http = new HttpClient();
        using var unknown = await http.GetAsync(new Uri(server.BaseAddress, "/no-such-path"));
        var expected = await unknown.Content.ReadAsStringAsync();

        foreach (var path in new[] { "/metrics", "/healthz", "/readyz" })
        {
            using var response = await http.GetAsync(new Uri(server.BaseAddress, path));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal(unknown.Content.Headers.ContentType, response.Content.Headers.ContentType);
            Assert.Equal(expected, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task Without_required_range_data_the_server_is_not_ready_but_serves()
    {
        var closedPort = LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture);
        await using var server = await StartAsync(new JsonObject
        {
            ["Ranges"] = new JsonArray(new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = $"http://127.0.0.1:{closedPort}/ip-ranges.json" }),
            ["RangesRefresh"] = new JsonObject { ["RequireAtStart"] = true, ["FetchTimeout"] = "00:00:02" },
        });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        using var ready = await http.GetAsync(new Uri(server.MetricsAddress, "/readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("no range data yet for AWS\n", await ready.Content.ReadAsStringAsync());
        var metrics = await PrometheusText.ScrapeAsync(http, server.MetricsAddress);
        Assert.Equal(0, metrics.Value("archeio_ready"));
        using var healthy = await http.GetAsync(new Uri(server.MetricsAddress, "/healthz"));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);

        using var redirect = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/manifests/latest"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
    }

    [Fact]
    public async Task SIGTERM_drains_then_lets_the_request_in_flight_finish_and_exits_0()
    {
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digests.Pause);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        mirror.Hold = release.Task;
        await using var server = await StartAsync(
            new JsonObject
            {
                ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "held", ["BlobUrl"] = mirror.BlobUrlTemplate }),
                ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("held") }),
                // The request in flight waits on its HEAD longer than the drain lasts.
                ["BlobCheck"] = new JsonObject { ["Timeout"] = "00:00:50" },
                ["Shutdown"] = new JsonObject { ["Drain"] = "00:00:03" },
            });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var ops = new HttpClient();

        // A blob request whose mirror HEAD the test holds: in flight until released.
        var inFlight = http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/blobs/" + Digests.Pause));
        await mirror.FirstRequest.WaitAsync(ExitTimeout);

        server.Terminate();
        await server.WaitForLineAsync("Stopping: not ready");
        using (var ready = await ops.GetAsync(new Uri(server.MetricsAddress, "/readyz")))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("shutting down\n", await ready.Content.ReadAsStringAsync());
        }

        // Still serving during the drain, on a new connection.
        using (var during = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/manifests/latest")))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, during.StatusCode);
        }

        Assert.False(inFlight.IsCompleted);
        Assert.False(server.Process.HasExited);
        await server.WaitForLineAsync("Drain over");
        release.SetResult();

        using var finished = await inFlight.WaitAsync(ExitTimeout);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, finished.StatusCode);
        Assert.StartsWith(mirror.BaseUrl, finished.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
    }

    [Fact]
    public async Task Without_a_drain_SIGTERM_stops_at_once_and_exits_0()
    {
        await using var server = await StartAsync(new JsonObject { ["Shutdown"] = new JsonObject { ["Drain"] = "00:00:00" } });

        server.Terminate();

        Assert.Equal(0, await server.WaitForExitAsync(ExitTimeout));
        Assert.DoesNotContain(server.StandardOutput, line => line.Contains("Stopping: not ready", StringComparison.Ordinal));
    }

    /// <summary>A server with upstream-only routing and the real ranges, <paramref name="extra"/> merged into its configuration.</summary>
    internal static async Task<ServerProcess> StartAsync(JsonObject extra, IDictionary<string, string>? environment = null)
    {
        var config = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["Path"] = "images" },
            ["Mirrors"] = new JsonArray(),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray() }),
        };
        foreach (var (key, value) in extra.ToList())
        {
            extra.Remove(key);
            config[key] = value;
        }

        using var file = new TempConfig(config);
        var variables = new Dictionary<string, string>(environment ?? new Dictionary<string, string>())
        {
            ["ARCHEIO_CONFIG"] = file.Path,
        };
        if (!config.ContainsKey("Ranges"))
        {
            variables["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory;
        }

        return await ServerProcess.StartAsync(variables);
    }
}
