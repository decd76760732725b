using Archeio.Logging;

namespace Archeio.Metrics;

/// <summary>
/// <c>archeio_log_lines_dropped_total</c>: log lines (access log and others) dropped because standard output did not
/// keep up (Logging/LogOutput.cs); above zero, the log misses requests that the metrics still count.
/// </summary>
internal sealed class LogMetrics
{
    public const string DroppedName = "archeio_log_lines_dropped_total";

    public LogMetrics(ArcheioMeter meter, LogOutput output)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(output);
        meter.Meter.CreateObservableCounter(DroppedName, () => output.Dropped, description: "Log lines dropped because standard output did not keep up.");
    }
}
