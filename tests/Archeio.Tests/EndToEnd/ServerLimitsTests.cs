using System.Net;
using System.Text.Json.Nodes;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>Kestrel limits and shutdown of the real process, over raw sockets.</summary>
public sealed class ServerLimitsTests : IAsyncLifetime, IDisposable
{
    private LoopbackMirror _mirror = null!;
    private TempConfig _config = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _mirror = await LoopbackMirror.StartAsync();
        _mirror.Add(Digests.Pause);
        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "slow", ["BlobUrl"] = _mirror.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("slow") }),
        });
        _server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = _config.Path });
    }

    public void Dispose() => _config?.Dispose();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    [Fact]
    public async Task Headers_trickled_slower_than_the_timeout_are_cut_off()
    {
        // Headers never finish: the 2 s header timeout (checked on Kestrel's 1 s heartbeat) must close the connection.
        var (response, elapsed, closed) = await RawHttp.SendAsync(_server.Port, "GET /v2/ HTTP/1.1\r\nHost: registry\r\nX-Slow: 1\r\n", TimeSpan.FromSeconds(15));

        Assert.True(closed, $"connection still open after {elapsed}");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
        Assert.DoesNotContain("200 OK", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_headers_are_refused_with_431()
    {
        var big = new string('a', 20 * 1024);
        var (response, _, _) = await RawHttp.SendAsync(_server.Port, $"GET /v2/ HTTP/1.1\r\nHost: registry\r\nX-Big: {big}\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 431", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_requests_are_answered_on_a_raw_socket()
    {
        var (response, _, _) = await RawHttp.SendAsync(_server.Port, "GET /v2/ HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("Docker-Distribution-Api-Version: registry/2.0", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_in_flight_at_SIGTERM_still_gets_its_answer()
    {
        _mirror.Latency = TimeSpan.FromSeconds(1);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };
        var pending = http.GetAsync("/v2/pause/blobs/" + Digests.Pause);

        // The blob check is under way at the mirror: now stop the server.
        await _mirror.FirstRequest.WaitAsync(TimeSpan.FromSeconds(10));
        _server.Terminate();

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(_mirror.BaseUrl + "/containers/images/" + Digests.Pause, response.Headers.Location?.OriginalString);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _server.Process.WaitForExitAsync(exit.Token);
        Assert.Equal(0, _server.Process.ExitCode);
    }
}
