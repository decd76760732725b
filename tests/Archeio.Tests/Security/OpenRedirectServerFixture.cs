using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Security;

/// <summary>
/// The real Archeio process (<see cref="ServerProcess"/>) on <see cref="OpenRedirectConfig.Process"/>, with two loopback
/// mirrors that answer HEAD 200 for the blobs they hold (the pause layer on both, one more on the second) and 404
/// otherwise, at any path prefix. Shared by the tests of one class.
/// </summary>
public sealed class OpenRedirectServerFixture : IAsyncLifetime, IDisposable
{
    private LoopbackServer _one = null!;
    private LoopbackServer _two = null!;
    private TempConfig _config = null!;

    internal ServerProcess Server { get; private set; } = null!;

    internal OpenRedirectOracle Oracle { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _one = await LoopbackServer.StartAsync(context => Answer(context, [RequestGen.KnownDigests[0]]));
        _two = await LoopbackServer.StartAsync(context => Answer(context, [RequestGen.KnownDigests[0], RequestGen.KnownDigests[1]]));
        var archeio = OpenRedirectConfig.Process(_one.BaseUrl, _two.BaseUrl);
        Oracle = new OpenRedirectOracle(archeio);
        _config = new TempConfig(archeio);
        Server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = _config.Path });
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await _one.DisposeAsync();
        await _two.DisposeAsync();
    }

    public void Dispose() => _config?.Dispose();

    /// <summary>Log lines at Error or Critical level (an unhandled exception in a request would be one).</summary>
    internal IEnumerable<string> ErrorLines()
        => Server.StandardOutput.Where(line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal));

    /// <summary>The server still runs and answers <c>GET /v2/</c> with 200 on a new connection.</summary>
    internal async Task AssertServingAsync()
    {
        Assert.False(Server.Process.HasExited, $"the server exited: {Server.StandardError}");
        using var connection = await RawHttpConnection.OpenAsync(Server.Port);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await connection.WriteAsync("GET /v2/ HTTP/1.1\r\nHost: registry.example\r\n\r\n"u8.ToArray(), timeout.Token);
        var response = await connection.ReadResponseAsync(head: false, timeout.Token);
        Assert.Equal(200, response?.Status);
        Assert.Empty(ErrorLines());
    }

    private static Task Answer(HttpContext context, string[] present)
    {
        var path = context.Request.Path.Value ?? "";
        context.Response.StatusCode = present.Any(d => path.EndsWith(d, StringComparison.Ordinal)) ? 200 : 404;
        return Task.CompletedTask;
    }
}
