using System.Collections.Concurrent;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Geranos.Tests.Source;

/// <summary>
/// A scripted HTTP server on 127.0.0.1 for what a real Distribution cannot be made to do on demand:
/// bearer challenges, 503s, tag pages. Each test supplies the handler; the server logs every request.
/// </summary>
internal sealed class FakeSourceRegistry : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly ConcurrentQueue<string> _requests = new();

    public Uri BaseUri => new(_server.BaseUrl);

    /// <summary>"METHOD path?query" of every request, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public static async Task<FakeSourceRegistry> StartAsync(RequestDelegate handler)
    {
        var registry = new FakeSourceRegistry();
        registry._server = await LoopbackServer.StartAsync(context =>
        {
            registry._requests.Enqueue(context.Request.Method + " " + context.Request.Path + context.Request.QueryString);
            return handler(context);
        });
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }
}
