using System.Threading.RateLimiting;
using Archeio.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.RateLimiting;

/// <summary>The token bucket on a fake clock: a burst, then one token every 60 / PermitsPerMinute s, and Retry-After until the next.</summary>
public sealed class ClockedTokenBucketTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_full_bucket_grants_its_burst_then_refuses_with_the_time_to_the_next_token()
    {
        using var bucket = new ClockedTokenBucket(permitsPerMinute: 60, burst: 3, _time);

        for (var i = 0; i < 3; i++)
        {
            using var granted = bucket.AttemptAcquire();
            Assert.True(granted.IsAcquired);
        }

        using var refused = bucket.AttemptAcquire();
        Assert.False(refused.IsAcquired);
        Assert.True(refused.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
        Assert.Equal(1.0, retryAfter.TotalSeconds, 3);
        Assert.Equal([MetadataName.RetryAfter.Name], refused.MetadataNames);
    }

    [Fact]
    public void Tokens_come_back_with_time_continuously_and_never_past_the_burst()
    {
        using var bucket = new ClockedTokenBucket(permitsPerMinute: 120, burst: 2, _time);
        Take(bucket, 2);

        _time.Advance(TimeSpan.FromMilliseconds(250));
        using (var early = bucket.AttemptAcquire())
        {
            Assert.False(early.IsAcquired);
            Assert.True(early.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter));
            Assert.Equal(0.25, retryAfter.TotalSeconds, 3);
        }

        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(1, Take(bucket, 5));

        // An hour idle fills the bucket to its burst, no more.
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, Take(bucket, 5));
    }

    [Fact]
    public void Idle_once_full_so_the_partitioned_limiter_may_drop_it()
    {
        using var bucket = new ClockedTokenBucket(permitsPerMinute: 60, burst: 1, _time);
        Assert.Equal(TimeSpan.Zero, bucket.IdleDuration);

        Take(bucket, 1);
        Assert.Null(bucket.IdleDuration);
        _time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(10.0, bucket.IdleDuration!.Value.TotalSeconds, 3);
        Assert.Equal(1, bucket.GetStatistics()!.CurrentAvailablePermits);
    }

    [Fact]
    public async Task Acquiring_asynchronously_never_queues()
    {
        using var bucket = new ClockedTokenBucket(permitsPerMinute: 60, burst: 1, _time);
        Take(bucket, 1);

        var waiting = bucket.AcquireAsync();
        Assert.True(waiting.IsCompleted);
        using var lease = await waiting;
        Assert.False(lease.IsAcquired);
    }

    [Fact]
    public void Under_the_libraries_partitioned_limiter_each_partition_has_its_own_bucket()
    {
        using var limiter = PartitionedRateLimiter.Create<string, string>(client => RateLimitPartition.Get(client, _ => new ClockedTokenBucket(60, 2, _time)));

        Assert.Equal(2, Enumerable.Range(0, 5).Count(_ => Acquired(limiter, "a")));
        Assert.Equal(2, Enumerable.Range(0, 5).Count(_ => Acquired(limiter, "b")));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(Acquired(limiter, "a"));

        static bool Acquired(PartitionedRateLimiter<string> limiter, string client)
        {
            using var lease = limiter.AttemptAcquire(client);
            return lease.IsAcquired;
        }
    }

    private static int Take(RateLimiter bucket, int tries)
    {
        var granted = 0;
        for (var i = 0; i < tries; i++)
        {
            using var lease = bucket.AttemptAcquire();
            granted += lease.IsAcquired ? 1 : 0;
        }

        return granted;
    }
}
