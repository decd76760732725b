namespace Archeio.Configuration;

/// <summary>
/// How mirrors with a <see cref="MirrorSettings.Probe"/> are probed the way clients fetch (<c>Archeio:Probes</c>;
/// docs/configuration.md, docs/request-handling.md "Probes").
/// </summary>
/// <param name="Interval">Time between two probes of one mirror (per replica); probes of different mirrors are spread over it.</param>
/// <param name="Timeout">Most one probe (all its requests, bodies included) may take before it counts as failed.</param>
/// <param name="MaxBytes">Most bytes the whole-object check reads; a probe object larger than this fails the probe.</param>
/// <param name="MaxConcurrent">Most probes in flight at once, over all mirrors.</param>
internal sealed record ProbeSettings(TimeSpan Interval, TimeSpan Timeout, int MaxBytes, int MaxConcurrent)
{
    public static ProbeSettings Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10), 16 * 1024 * 1024, 4);

    /// <summary>Reads <c>Archeio:Probes</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static ProbeSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(Interval), nameof(Timeout), nameof(MaxBytes), nameof(MaxConcurrent));
        var d = Default;
        return new ProbeSettings(
            section.TimeSpan(nameof(Interval), d.Interval, TimeSpan.FromDays(1)),
            section.TimeSpan(nameof(Timeout), d.Timeout, TimeSpan.FromMinutes(10)),
            // The range check asks for 1 KiB: a smaller bound could not hold the object it compares against.
            section.Int(nameof(MaxBytes), d.MaxBytes, 1024, 1024 * 1024 * 1024),
            section.Int(nameof(MaxConcurrent), d.MaxConcurrent, 1, 1000));
    }
}
