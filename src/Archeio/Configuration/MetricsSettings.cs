namespace Archeio.Configuration;

/// <summary>
/// The operations port (<c>Archeio:Metrics</c>): <c>/metrics</c> (Prometheus text format), <c>/healthz</c> and
/// <c>/readyz</c>, on a port apart from the public one so that neither is reachable from the internet.
/// </summary>
/// <param name="Port">TCP port of the operations listener (all interfaces); must differ from <c>Port</c>.</param>
internal sealed record MetricsSettings(int Port)
{
    public const int DefaultPort = 9090;

    public static MetricsSettings Default { get; } = new(DefaultPort);

    /// <summary>Reads <c>Archeio:Metrics</c>; that its port is not the public one is checked by <see cref="SettingsLinker"/>.</summary>
    public static MetricsSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(Port));
        return new MetricsSettings(section.Int(nameof(Port), DefaultPort, 1, 65535));
    }
}
