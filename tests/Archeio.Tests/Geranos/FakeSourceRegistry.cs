using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Geranos;

/// <summary>
/// A scripted HTTP server on 127.0.0.1 for what a real Distribution cannot be made to do on demand:
/// bearer challenges, 503s, tag pages. Each test supplies the handler; the server logs every request.
/// </summary>
internal sealed class FakeSourceRegistry : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _requests = new();

    private FakeSourceRegistry(WebApplication app) => _app = app;

    public Uri BaseUri { get; private set; } = null!;

    /// <summary>"METHOD path?query" of every request, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    public static async Task<FakeSourceRegistry> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var registry = new FakeSourceRegistry(app);
        app.Run(context =>
        {
            registry._requests.Enqueue(context.Request.Method + " " + context.Request.Path + context.Request.QueryString);
            return handler(context);
        });
        await app.StartAsync();
        registry.BaseUri = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
