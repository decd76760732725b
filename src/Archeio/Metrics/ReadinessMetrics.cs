using Archeio.Hosting;

namespace Archeio.Metrics;

/// <summary><c>archeio_ready</c>: 1 while <c>/readyz</c> answers 200, 0 otherwise.</summary>
internal sealed class ReadinessMetrics
{
    public const string ReadyName = "archeio_ready";

    public ReadinessMetrics(ArcheioMeter meter, Readiness readiness)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(readiness);
        meter.Meter.CreateObservableGauge(ReadyName, () => readiness.IsReady ? 1 : 0, description: "1 when the instance is ready for traffic (/readyz answers 200), else 0.");
    }
}
