using System.Collections.Concurrent;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Upstreams;

/// <summary>
/// A loopback stand-in for an upstream registry as its health probe sees it: <c>/v2/</c> answers
/// <see cref="ApiStatus"/>; a manifest HEAD answers <see cref="ManifestStatus"/>, or, with <see cref="RequireToken"/>,
/// 401 with a Bearer challenge until it carries the token that <c>/token</c> hands out (the distribution token flow);
/// <see cref="Hang"/> holds every request until the test ends. Records every request as "METHOD path".
/// </summary>
internal sealed class ProbedRegistry : IAsyncDisposable
{
    private const string Token = "probe-token";

    private readonly ConcurrentQueue<string> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private LoopbackServer _server = null!;
    private int _held;

    public int ApiStatus { get; set; } = 200;

    public int ManifestStatus { get; set; } = 200;

    public bool RequireToken { get; set; }

    public bool Hang { get; set; }

    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Requests held by <see cref="Hang"/> so far.</summary>
    public int Held => _held;

    /// <summary>The <c>Accept</c> header of the last manifest HEAD.</summary>
    public string? LastAccept { get; private set; }

    public string Endpoint => _server.BaseUrl;

    public int Count(string request) => _requests.Count(r => r == request);

    public static async Task<ProbedRegistry> StartAsync()
    {
        var registry = new ProbedRegistry();
        registry._server = await LoopbackServer.StartAsync(registry.HandleAsync);
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _server.DisposeAsync();
        _stopping.Dispose();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        _requests.Enqueue(request.Method + " " + request.Path);
        if (Hang)
        {
            Interlocked.Increment(ref _held);
            await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        var response = context.Response;
        if (request.Path == "/v2/")
        {
            response.StatusCode = ApiStatus;
            if (ApiStatus == 401)
            {
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Endpoint}/token\",service=\"probed\"";
            }

            return;
        }

        if (request.Path == "/token")
        {
            response.ContentType = "application/json";
            await response.WriteAsync($$"""{"token":"{{Token}}","expires_in":300}""");
            return;
        }

        LastAccept = request.Headers.Accept.ToString();
        if (RequireToken && request.Headers.Authorization != "Bearer " + Token)
        {
            response.StatusCode = 401;
            response.Headers.WWWAuthenticate = $"Bearer realm=\"{Endpoint}/token\",service=\"probed\",scope=\"repository:x:pull\"";
            return;
        }

        response.StatusCode = ManifestStatus;
    }
}
