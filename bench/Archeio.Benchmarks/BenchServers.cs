using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archeio.Benchmarks;

/// <summary>What the measuring commands share: loopback servers standing in for mirrors, free ports, waiting for the server.</summary>
internal static class BenchServers
{
    /// <summary>Kestrel on 127.0.0.1 with a free port, logging off, answering every request with <paramref name="handler"/>.</summary>
    public static async Task<WebApplication> StartAsync(RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        return app;
    }

    /// <summary><c>http://127.0.0.1:port</c> of a server started by <see cref="StartAsync"/>.</summary>
    public static string Address(WebApplication app)
        => app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits (up to 30 s) until something accepts connections on <paramref name="port"/>.</summary>
    public static async Task WaitListeningAsync(int port)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new TimeoutException("the server did not listen on " + port.ToString(CultureInfo.InvariantCulture));
    }
}
