using System.Diagnostics.Metrics;

namespace Archeio.Metrics;

/// <summary>
/// Archeio's one <see cref="Meter"/>, created through the container's <see cref="IMeterFactory"/> so that two hosts in
/// one process (tests) keep apart, and exported by OpenTelemetry's Prometheus exporter on the operations port.
/// </summary>
internal sealed class ArcheioMeter(IMeterFactory factory)
{
    public const string Name = "Archeio";

    public Meter Meter { get; } = factory.Create(Name);
}
