namespace Archeio.Configuration;

/// <summary>What SIGTERM does (<c>Archeio:Shutdown</c>).</summary>
/// <param name="Drain">
/// After SIGTERM, <c>/readyz</c> fails at once but requests are still served for this long, so that a load balancer
/// stops sending before the listener closes; then in-flight requests finish and the process exits 0. Zero: no drain.
/// </param>
internal sealed record ShutdownSettings(TimeSpan Drain)
{
    public static readonly TimeSpan DefaultDrain = TimeSpan.FromSeconds(5);

    public static ShutdownSettings Default { get; } = new(DefaultDrain);

    /// <summary>Reads <c>Archeio:Shutdown</c>; zero drain is allowed.</summary>
    public static ShutdownSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(Drain));
        return new ShutdownSettings(section.TimeSpan(nameof(Drain), DefaultDrain, TimeSpan.FromMinutes(5), allowZero: true));
    }
}
