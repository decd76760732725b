using System.Collections;
using System.Net;
using Archeio.Blobs;
using Archeio.Configuration;
using Archeio.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Support;

/// <summary>
/// Archeio in the test host, configured as in production: the configuration sources are assembled
/// by the same code, from a given config file (or the embedded default) and a given environment.
/// </summary>
internal sealed class ArcheioFactory(string? configFile, IDictionary environment, IBlobPresence? blobs = null)
    : WebApplicationFactory<Program>
{
    public const string DrainVariable = "Archeio__Shutdown__Drain";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureAppConfiguration((_, configuration) =>
        {
            configuration.Sources.Clear();
            configuration.AddArcheioSources(configFile, environment);
            if (!environment.Contains(DrainVariable))
            {
                // A test host's stop would otherwise wait out the default drain of 5 s.
                configuration.AddInMemoryCollection([new("Archeio:Shutdown:Drain", "00:00:00")]);
            }
        });
        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(services =>
        {
            // The server's one collection after its start would be a full, compacting collection of the whole test
            // process (and a pause for every other test running in it): kept, with nothing to collect.
            services.AddSingleton(sp => new StartupMemoryRelease(
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<StartupMemoryRelease>>(), () => { }));
            if (blobs is not null)
            {
                services.AddSingleton(blobs);
            }
        });
    }

    /// <summary>
    /// Sends a request as if it had arrived on <paramref name="localPort"/>: the test server has no listeners, and the
    /// operations endpoints are chosen by the connection's local port (<c>Metrics:Port</c>).
    /// </summary>
    public async Task<HttpContext> SendToPortAsync(int localPort, string method, string path)
    {
        return await Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = path;
            context.Connection.LocalPort = localPort;
            context.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
    }

    /// <summary>
    /// Sends a request with an exact raw target and peer address. HttpClient would normalise the
    /// target (dot segments), so the request is built directly on the test server.
    /// </summary>
    public async Task<HttpContext> SendRawAsync(string method, string rawTarget, IPAddress? peer, params (string Name, string Value)[] headers)
    {
        return await Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = "/";
            context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget = rawTarget;
            context.Connection.RemoteIpAddress = peer;
            foreach (var (name, value) in headers)
            {
                context.Request.Headers.Append(name, value);
            }
        });
    }
}
