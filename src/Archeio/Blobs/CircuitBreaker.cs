namespace Archeio.Blobs;

/// <summary>
/// One mirror's circuit breaker: after <c>breakAfter</c> consecutive failures (timeouts, connection errors,
/// 5xx — a 404 or 403 is an answer, not a failure) the mirror is skipped for <c>breakFor</c>; then one trial
/// HEAD decides whether it closes again or re-opens. Skipping a sick mirror keeps its latency out of pulls.
/// Only the HEAD path touches it (cache hits do not), so a lock costs nothing that matters.
/// A failed probe (Blobs/Probes) holds it open (<see cref="HoldOpen"/>) with the probe's reason: then the mirror is out
/// of rotation, no trial HEAD goes out, and only a passing probe (<see cref="ReleaseHold"/>) closes it; requests read
/// <see cref="IsHeld"/>, one volatile read, before even the mirror's inventory and cache.
/// </summary>
internal sealed class CircuitBreaker(int breakAfter, TimeSpan breakFor, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _failures;
    private long _openUntil;
    private bool _trialInFlight;
    private volatile ProbeHold? _hold;

    public BreakerState State { get; private set; } = BreakerState.Closed;

    /// <summary>Why and since when a failed probe holds the breaker open; null while no probe does.</summary>
    public ProbeHold? Hold => _hold;

    /// <summary>A failed probe holds the breaker open: the mirror is out of rotation, even for cached answers.</summary>
    public bool IsHeld => _hold is not null;

    /// <summary>May a HEAD go to the mirror now? In half-open state only the caller that gets the trial may.</summary>
    public bool TryAcquire(out BreakerState? changedTo)
    {
        changedTo = null;
        lock (_lock)
        {
            switch (State)
            {
                case BreakerState.Open when _hold is not null:
                    return false;
                case BreakerState.Closed:
                    return true;
                case BreakerState.Open when time.GetTimestamp() >= _openUntil:
                    State = BreakerState.HalfOpen;
                    changedTo = State;
                    _trialInFlight = true;
                    return true;
                case BreakerState.HalfOpen when !_trialInFlight:
                    _trialInFlight = true;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>A granted HEAD was not sent after all (e.g. the concurrency limit): the trial goes to someone else.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _trialInFlight = false;
        }
    }

    /// <summary>The mirror answered. Returns the new state if it changed (never while a probe holds it open).</summary>
    public BreakerState? OnAnswer()
    {
        lock (_lock)
        {
            _failures = 0;
            _trialInFlight = false;
            if (State == BreakerState.Closed || _hold is not null)
            {
                return null;
            }

            State = BreakerState.Closed;
            return State;
        }
    }

    /// <summary>The mirror failed. Returns the new state if it changed.</summary>
    public BreakerState? OnFailure()
    {
        lock (_lock)
        {
            _trialInFlight = false;
            if (_hold is not null || (State == BreakerState.Closed && ++_failures < breakAfter))
            {
                return null;
            }

            var opened = State != BreakerState.Open;
            State = BreakerState.Open;
            _openUntil = time.GetTimestamp() + (long)(breakFor.TotalSeconds * time.TimestampFrequency);
            return opened ? State : null;
        }
    }

    /// <summary>
    /// A probe failed: the breaker opens and stays open until <see cref="ReleaseHold"/>. A mirror already held keeps the
    /// time it went out and takes the newer reason. Returns the new state if it changed.
    /// </summary>
    public BreakerState? HoldOpen(string reason, DateTimeOffset now)
    {
        lock (_lock)
        {
            _hold = new ProbeHold(reason, _hold?.Since ?? now);
            _trialInFlight = false;
            if (State == BreakerState.Open)
            {
                return null;
            }

            State = BreakerState.Open;
            return State;
        }
    }

    /// <summary>A probe passed: a held breaker closes, with no failures counted. Returns the new state if it changed.</summary>
    public BreakerState? ReleaseHold()
    {
        lock (_lock)
        {
            if (_hold is null)
            {
                return null;
            }

            _hold = null;
            _failures = 0;
            _trialInFlight = false;
            State = BreakerState.Closed;
            return State;
        }
    }
}
