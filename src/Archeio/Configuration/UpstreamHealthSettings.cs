namespace Archeio.Configuration;

/// <summary>
/// How the upstreams of a failover list are probed (<c>Archeio:UpstreamHealth</c>; docs/configuration.md,
/// docs/request-handling.md "Upstream failover").
/// </summary>
/// <param name="Interval">Time between two probes of one upstream, per replica; probes of different upstreams are spread over it.</param>
/// <param name="Timeout">Most one probe (its <c>/v2/</c> GET and manifest HEAD together) may take before it counts as failed.</param>
/// <param name="FailAfter">Consecutive failed probes that take a healthy upstream out of its lists.</param>
/// <param name="RecoverAfter">Consecutive passed probes that bring an ejected upstream back.</param>
internal sealed record UpstreamHealthSettings(TimeSpan Interval, TimeSpan Timeout, int FailAfter, int RecoverAfter)
{
    /// <summary>The shortest <see cref="Interval"/>: the upstream is someone else's registry.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static UpstreamHealthSettings Default { get; } = new(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(5), 3, 2);

    /// <summary>Reads <c>Archeio:UpstreamHealth</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static UpstreamHealthSettings Read(SettingsSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        section.CheckKnownKeys(nameof(Interval), nameof(Timeout), nameof(FailAfter), nameof(RecoverAfter));
        var d = Default;
        var interval = section.TimeSpan(nameof(Interval), d.Interval, TimeSpan.FromHours(1));
        if (interval < MinInterval)
        {
            section.Error(nameof(Interval), $"'{section[nameof(Interval)]}' is shorter than the least interval, {MinInterval:c}");
            interval = d.Interval;
        }

        return new UpstreamHealthSettings(
            interval,
            section.TimeSpan(nameof(Timeout), d.Timeout, TimeSpan.FromMinutes(1)),
            section.Int(nameof(FailAfter), d.FailAfter, 1, 100),
            section.Int(nameof(RecoverAfter), d.RecoverAfter, 1, 100));
    }
}
