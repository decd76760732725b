using Archeio.Blobs;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;

namespace Archeio.Metrics;

/// <summary>
/// Wires the instruments to OpenTelemetry's Prometheus exporter. The exporter writes the instrument names as they
/// are (no unit or <c>_total</c> suffix added, no scope labels, no <c>target_info</c>): the names in the classes
/// beside this one are the exposition's names, a contract with the dashboards.
/// </summary>
internal static class MetricsRegistration
{
    /// <summary>.NET's own runtime meter (GC, thread pool, exceptions), cheap and worth having beside ours.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<ArcheioMeter>();
        services.AddSingleton<RequestMetrics>();
        services.AddSingleton<BlobHeadMetrics>();
        services.AddSingleton<IBlobCheckObserver>(sp => sp.GetRequiredService<BlobHeadMetrics>());
        services.AddSingleton<BlobCheckStateMetrics>();
        services.AddSingleton<RangeMetrics>();
        services.AddSingleton<ReadinessMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ArcheioMeter.Name, RuntimeMeterName)
            .AddPrometheusExporter(o =>
            {
                o.ScrapeEndpointPath = "/metrics";
                // Every scrape sees the values of the moment (tests scrape right after requests).
                o.ScrapeResponseCacheDurationMilliseconds = 0;
                o.ScopeInfoEnabled = false;
                o.TargetInfoEnabled = false;
                o.TranslationStrategy = PrometheusAspNetCoreTranslationStrategy.UnderscoreEscapingWithoutSuffixes;
            }));
    }

    /// <summary>Creates the observable instruments, which exist only once their owners are built.</summary>
    public static void Start(IServiceProvider services)
    {
        services.GetRequiredService<RequestMetrics>();
        services.GetRequiredService<BlobHeadMetrics>();
        services.GetRequiredService<BlobCheckStateMetrics>();
        services.GetRequiredService<RangeMetrics>();
        services.GetRequiredService<ReadinessMetrics>();
    }
}
