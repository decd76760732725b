using System.Threading.RateLimiting;

namespace Archeio.RateLimiting;

/// <summary>
/// A token bucket on System.Threading.RateLimiting's <see cref="RateLimiter"/> contract, read on an injected
/// <see cref="TimeProvider"/>: <see cref="TokenBucketRateLimiter"/> reads <c>Stopwatch</c> and replenishes on a timer
/// of its own, so no test could move its clock, and every partition would want the partitioned limiter's timer to top
/// it up. This one is topped up when asked, from the time since it was last asked (continuous refill: one token every
/// 60 / PermitsPerMinute s), and never queues: a request over the limit is refused at once with
/// <see cref="MetadataName.RetryAfter"/>, the time until a token is there.
/// </summary>
internal sealed class ClockedTokenBucket : RateLimiter
{
    private static readonly RateLimitLease Granted = new BucketLease(true, null);

    private readonly TimeProvider _time;
    private readonly double _capacity;
    private readonly double _tokensPerTick;
    private readonly Lock _lock = new();
    private double _tokens;
    private long _updated;

    /// <param name="permitsPerMinute">Tokens added per minute.</param>
    /// <param name="burst">The bucket's size; it starts full.</param>
    /// <param name="time">The clock.</param>
    public ClockedTokenBucket(int permitsPerMinute, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(permitsPerMinute, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _time = time;
        _capacity = burst;
        _tokens = burst;
        _tokensPerTick = permitsPerMinute / (60.0 * time.TimestampFrequency);
        _updated = time.GetTimestamp();
    }

    /// <summary>How long the bucket has been full: the partitioned limiter drops a partition idle for 10 s.</summary>
    public override TimeSpan? IdleDuration
    {
        get
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                var fullAt = _updated + (long)((_capacity - _tokens) / _tokensPerTick);
                return now >= fullAt ? _time.GetElapsedTime(fullAt, now) : null;
            }
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_lock)
        {
            Refill(_time.GetTimestamp());
            return new RateLimiterStatistics { CurrentAvailablePermits = (long)_tokens };
        }
    }

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(permitCount, (int)_capacity);
        lock (_lock)
        {
            Refill(_time.GetTimestamp());
            // Zero permits asks whether one would be granted (the RateLimiter contract), taking none.
            var wanted = Math.Max(1, permitCount);
            if (_tokens >= wanted)
            {
                _tokens -= permitCount;
                return Granted;
            }

            var ticks = (wanted - _tokens) / _tokensPerTick;
            return new BucketLease(false, TimeSpan.FromSeconds(ticks / _time.TimestampFrequency));
        }
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
        => new(AttemptAcquireCore(permitCount));

    private void Refill(long now)
    {
        if (now > _updated)
        {
            _tokens = Math.Min(_capacity, _tokens + ((now - _updated) * _tokensPerTick));
            _updated = now;
        }
    }

    /// <summary>A lease: granted (nothing to give back: tokens come back with time), or refused with its retry-after.</summary>
    private sealed class BucketLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        private static readonly string[] RetryAfterOnly = [MetadataName.RetryAfter.Name];

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : RetryAfterOnly;

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } value && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = value;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
