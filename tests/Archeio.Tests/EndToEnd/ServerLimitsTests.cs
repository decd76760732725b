using System.Net;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>Kestrel limits and shutdown of the real process, over raw sockets.</summary>
public sealed class ServerLimitsTests : IAsyncLifetime
{
    private OneMirrorServer _bed = null!;

    private ServerProcess Server => _bed.Server;

    private LoopbackMirror Mirror => _bed.Mirror;

    public async Task InitializeAsync() => _bed = await OneMirrorServer.StartAsync();

    public async Task DisposeAsync() => await _bed.DisposeAsync();

    [Fact]
    public async Task Headers_trickled_slower_than_the_timeout_are_cut_off()
    {
        // Headers never finish: the 2 s header timeout (checked on Kestrel's 1 s heartbeat) must close the connection.
        var (response, elapsed, closed) = await RawHttp.SendAsync(Server.Port, "GET /v2/ HTTP/1.1\r\nHost: registry\r\nX-Slow: 1\r\n", TimeSpan.FromSeconds(15));

        Assert.True(closed, $"connection still open after {elapsed}");
        Assert.InRange(elapsed, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6));
        Assert.DoesNotContain("200 OK", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversized_headers_are_refused_with_431()
    {
        var big = new string('a', 20 * 1024);
        var (response, _, _) = await RawHttp.SendAsync(Server.Port, $"GET /v2/ HTTP/1.1\r\nHost: registry\r\nX-Big: {big}\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 431", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_requests_are_answered_on_a_raw_socket()
    {
        var (response, _, _) = await RawHttp.SendAsync(Server.Port, "GET /v2/ HTTP/1.1\r\nHost: registry\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(10));

        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
        Assert.Contains("Docker-Distribution-Api-Version: registry/2.0", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_in_flight_at_SIGTERM_still_gets_its_answer()
    {
        Mirror.Latency = TimeSpan.FromSeconds(1);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = Server.BaseAddress };
        var pending = http.GetAsync("/v2/pause/blobs/" + Digests.Pause);

        // The blob check is under way at the mirror: now stop the server.
        await Mirror.FirstRequest.WaitAsync(TimeSpan.FromSeconds(10));
        Server.Terminate();

        using var response = await pending.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(Mirror.BaseUrl + "/containers/images/" + Digests.Pause, response.Headers.Location?.OriginalString);
        using var exit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await Server.Process.WaitForExitAsync(exit.Token);
        Assert.Equal(0, Server.Process.ExitCode);
    }
}
