namespace Archeio.Upstreams;

/// <summary>One upstream's health as the board holds it, replaced whole on every probe.</summary>
/// <param name="Ejected">True while it is out of its failover lists.</param>
/// <param name="Since">When it was last ejected or brought back (the start, before either).</param>
/// <param name="Reason">Why the last failed probe failed, e.g. <c>GET /v2/ answered 503</c>; null before any failure.</param>
/// <param name="FailStreak">Consecutive failed probes up to now.</param>
/// <param name="PassStreak">Consecutive passed probes up to now.</param>
/// <param name="Counts">Totals since the start, for the metrics.</param>
internal sealed record UpstreamHealthState(bool Ejected, DateTimeOffset Since, string? Reason, int FailStreak, int PassStreak, UpstreamHealthCounts Counts);

/// <summary>Totals of one upstream's probes and transitions since the start (<c>archeio_upstream_*_total</c>).</summary>
internal sealed record UpstreamHealthCounts(long Passed, long Failed, long Ejections, long Recoveries)
{
    public static UpstreamHealthCounts None { get; } = new(0, 0, 0, 0);
}

/// <summary>What one probe's outcome changed.</summary>
internal enum UpstreamHealthChange
{
    /// <summary>Still healthy, or still ejected.</summary>
    None,

    /// <summary><c>FailAfter</c> consecutive failures: out of its lists from now on.</summary>
    Ejected,

    /// <summary><c>RecoverAfter</c> consecutive passes: back in its lists.</summary>
    Recovered,
}
