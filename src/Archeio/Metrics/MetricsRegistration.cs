using Archeio.Blobs;
using Archeio.Blobs.Probes;
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
        services.AddSingleton<ProbeMetrics>();
        services.AddSingleton<IProbeObserver>(sp => sp.GetRequiredService<ProbeMetrics>());
        services.AddSingleton<RangeMetrics>();
        services.AddSingleton<ReadinessMetrics>();
        services.AddSingleton<UpstreamMetrics>();
        services.AddSingleton<EgressMetrics>();
        services.AddSingleton<ProxyMetrics>();
        services.AddSingleton<RateLimitMetrics>();
        services.AddSingleton<LogMetrics>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ArcheioMeter.Name, RuntimeMeterName)
            .AddView(instrument => new MetricStreamConfiguration { CardinalityLimit = CardinalityLimitFor(instrument.Meter.Name, instrument.Name) })
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

    /// <summary>
    /// The most label sets each instrument can hold. OpenTelemetry allocates that many data points per instrument
    /// up front (2,000 by default): with the runtime meter's instruments that was about 8 MB zeroed at start, a
    /// quarter of the cold start's allocations and of the idle RSS (docs/performance.md). The limits follow the
    /// label sets each instrument can have: five request kinds for the histogram; kinds × methods × statuses ×
    /// decisions for the request counter; every cloud region of the range data times the continents for the client
    /// counter; mirrors × outcomes for the blob checks; a handful for the runtime's own. A label set beyond the
    /// limit is still counted, under OpenTelemetry's overflow series (<c>otel_metric_overflow="true"</c>).
    /// </summary>
    internal static int CardinalityLimitFor(string meter, string instrument) => (meter, instrument) switch
    {
        (ArcheioMeter.Name, RequestMetrics.DurationName) => 8,
        (ArcheioMeter.Name, RequestMetrics.RequestsName) => 1000,
        (ArcheioMeter.Name, RequestMetrics.ClientsName) => 2000,
        (ArcheioMeter.Name, _) => 256,
        _ => 64,
    };

    /// <summary>Creates the observable instruments, which exist only once their owners are built.</summary>
    public static void Start(IServiceProvider services)
    {
        services.GetRequiredService<RequestMetrics>();
        services.GetRequiredService<BlobHeadMetrics>();
        services.GetRequiredService<BlobCheckStateMetrics>();
        services.GetRequiredService<ProbeMetrics>();
        services.GetRequiredService<RangeMetrics>();
        services.GetRequiredService<ReadinessMetrics>();
        services.GetRequiredService<UpstreamMetrics>();
        services.GetRequiredService<EgressMetrics>();
        services.GetRequiredService<LogMetrics>();
    }
}
