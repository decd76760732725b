namespace Archeio.Blobs;

/// <summary>
/// One mirror's circuit breaker: after <c>breakAfter</c> consecutive failures (timeouts, connection errors,
/// 5xx — a 404 or 403 is an answer, not a failure) the mirror is skipped for <c>breakFor</c>; then one trial
/// HEAD decides whether it closes again or re-opens. Skipping a sick mirror keeps its latency out of pulls.
/// Only the HEAD path touches it (cache hits do not), so a lock costs nothing that matters.
/// </summary>
internal sealed class CircuitBreaker(int breakAfter, TimeSpan breakFor, TimeProvider time)
{
    private readonly Lock _lock = new();
    private int _failures;
    private long _openUntil;
    private bool _trialInFlight;

    public BreakerState State { get; private set; } = BreakerState.Closed;

    /// <summary>May a HEAD go to the mirror now? In half-open state only the caller that gets the trial may.</summary>
    public bool TryAcquire(out BreakerState? changedTo)
    {
        changedTo = null;
        lock (_lock)
        {
            switch (State)
            {
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

    /// <summary>The mirror answered. Returns the new state if it changed.</summary>
    public BreakerState? OnAnswer()
    {
        lock (_lock)
        {
            _failures = 0;
            _trialInFlight = false;
            if (State == BreakerState.Closed)
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
            if (State == BreakerState.Closed && ++_failures < breakAfter)
            {
                return null;
            }

            var opened = State != BreakerState.Open;
            State = BreakerState.Open;
            _openUntil = time.GetTimestamp() + (long)(breakFor.TotalSeconds * time.TimestampFrequency);
            return opened ? State : null;
        }
    }
}
