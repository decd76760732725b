using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.Upstreams;

/// <summary>
/// The health of every upstream, fed by the probes of <see cref="UpstreamHealthService"/> (one replica's own view:
/// replicas do not share it, so each ejects on its own probes). Every upstream starts healthy: a fresh replica routes
/// as one without failover until its probes say otherwise. A healthy upstream is ejected after
/// <c>UpstreamHealth:FailAfter</c> consecutive failed probes and comes back after <c>RecoverAfter</c> consecutive
/// passed ones, so one lost probe neither ejects nor recovers it. Requests read <see cref="Current"/>, one volatile
/// field swapped on each transition: the request path never takes the lock and never waits for a probe.
/// </summary>
internal sealed class UpstreamHealthBoard
{
    private readonly UpstreamHealthSettings _settings;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly UpstreamHealthState[] _states;
    private volatile UpstreamHealthView _current = UpstreamHealthView.AllHealthy;

    public UpstreamHealthBoard(ArcheioSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        _settings = settings.UpstreamHealth;
        _time = time;
        var start = new UpstreamHealthState(false, time.GetUtcNow(), null, 0, 0, UpstreamHealthCounts.None);
        _states = [.. settings.AllUpstreams.Select(_ => start)];
    }

    /// <summary>Which upstreams are ejected now: what a request routes on.</summary>
    public UpstreamHealthView Current => _current;

    /// <summary>The state of <paramref name="upstream"/> now.</summary>
    public UpstreamHealthState StateOf(UpstreamSettings upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        lock (_lock)
        {
            return _states[upstream.Index];
        }
    }

    /// <summary>
    /// Records one probe of <paramref name="upstream"/>: passed when <paramref name="failure"/> is null, else failed
    /// for that reason. Returns what it changed, with the state before it (for how long an ejection lasted).
    /// </summary>
    public (UpstreamHealthChange Change, UpstreamHealthState Before) Record(UpstreamSettings upstream, string? failure)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        lock (_lock)
        {
            var before = _states[upstream.Index];
            var counts = before.Counts;
            var now = _time.GetUtcNow();
            UpstreamHealthState after;
            var change = UpstreamHealthChange.None;
            if (failure is not null)
            {
                var streak = before.FailStreak + 1;
                var eject = !before.Ejected && streak >= _settings.FailAfter;
                change = eject ? UpstreamHealthChange.Ejected : change;
                after = new UpstreamHealthState(
                    before.Ejected || eject, eject ? now : before.Since, failure, streak, 0,
                    counts with { Failed = counts.Failed + 1, Ejections = counts.Ejections + (eject ? 1 : 0) });
            }
            else
            {
                var streak = before.PassStreak + 1;
                var recover = before.Ejected && streak >= _settings.RecoverAfter;
                change = recover ? UpstreamHealthChange.Recovered : change;
                after = new UpstreamHealthState(
                    before.Ejected && !recover, recover ? now : before.Since, before.Reason, 0, streak,
                    counts with { Passed = counts.Passed + 1, Recoveries = counts.Recoveries + (recover ? 1 : 0) });
            }

            _states[upstream.Index] = after;
            if (change != UpstreamHealthChange.None)
            {
                _current = _current.With(upstream, after.Ejected);
            }

            return (change, before);
        }
    }
}
