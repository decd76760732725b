using Archeio.Blobs;
using Archeio.Configuration;
using Archeio.Metrics;
using Archeio.Proxying;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Yarp.ReverseProxy.Forwarder;

namespace Archeio.Tests.Support;

/// <summary>A real <see cref="ProxyForwarder"/> (YARP's forwarder inside) for tests that build the handler by hand.</summary>
internal static class ProxyForwarders
{
    public static ProxyForwarder For(ArcheioSettings settings, IBlobPresence? blobs = null, ArcheioMeter? meter = null)
    {
        var services = new ServiceCollection().AddLogging().AddMetrics().AddHttpForwarder().BuildServiceProvider();
        return new ProxyForwarder(
            services.GetRequiredService<IHttpForwarder>(),
            settings,
            blobs ?? new FakeBlobPresence(),
            new ProxyMetrics(meter ?? new ArcheioMeter(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>())),
            TimeProvider.System,
            NullLogger<ProxyForwarder>.Instance);
    }
}
