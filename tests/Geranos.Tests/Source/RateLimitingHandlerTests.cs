using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Archeio.Oci.Errors;
using Archeio.TestBed;
using Geranos.Source;
using Geranos.Source.Http;

namespace Geranos.Tests.Source;

/// <summary>
/// <see cref="RateLimitingHandler"/> asks its limiter once per request and holds requests until it grants a permit.
/// The bucket here never refills by itself (<c>AutoReplenishment = false</c>): each <c>TryReplenish</c> fills it to
/// its limit of 2 (a manual bucket adds tokens for the time since the last refill, and its period is one tick), so
/// the tests move it on by hand instead of measuring wall-clock time.
/// </summary>
public sealed class RateLimitingHandlerTests : IDisposable
{
    private readonly TokenBucketRateLimiter _limiter = new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = 2,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromTicks(1),
        QueueLimit = 100,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        AutoReplenishment = false,
    });

    private readonly StubHttpHandler _inner = new();

    [Fact]
    public async Task Requests_beyond_the_permits_wait_until_the_limiter_grants_more()
    {
        using var client = Client();

        using var first = await client.GetAsync(new Uri("http://registry.invalid/1"));
        using var second = await client.GetAsync(new Uri("http://registry.invalid/2"));
        var waiting = Enumerable.Range(3, 3).Select(i => client.GetAsync(new Uri("http://registry.invalid/" + i.ToString(CultureInfo.InvariantCulture)))).ToList();
        await QueuedAsync(3);

        Assert.Equal(2, _inner.Count);
        Assert.All(waiting, w => Assert.False(w.IsCompleted));

        Assert.True(_limiter.TryReplenish());
        await QueuedAsync(1);
        (await waiting[0]).Dispose();
        (await waiting[1]).Dispose();
        Assert.Equal(4, _inner.Count);
        Assert.False(waiting[2].IsCompleted);

        Assert.True(_limiter.TryReplenish());
        (await waiting[2]).Dispose();

        // Permits are granted oldest first; two granted together may reach the handler in either order.
        var paths = _inner.Paths.ToList();
        Assert.Equal(["/1", "/2"], paths[..2]);
        Assert.Equal(["/3", "/4"], paths[2..4].Order(StringComparer.Ordinal));
        Assert.Equal("/5", paths[4]);
    }

    [Fact]
    public async Task A_concurrency_limiter_holds_requests_until_earlier_ones_answer()
    {
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 2, QueueLimit = 10 });
        using var client = new HttpClient(new RateLimitingHandler(limiter) { InnerHandler = _inner }, disposeHandler: false);
        _inner.Hold();

        var requests = Enumerable.Range(1, 3).Select(i => client.GetAsync(new Uri("http://registry.invalid/" + i.ToString(CultureInfo.InvariantCulture)))).ToList();
        await Eventually.TrueAsync(() => limiter.GetStatistics()!.CurrentQueuedCount == 1, "the third request queued");

        Assert.Equal(2, _inner.Count);
        _inner.Release();
        foreach (var request in requests)
        {
            (await request).Dispose();
        }

        Assert.Equal(3, _inner.Count);
    }

    [Fact]
    public async Task A_waiting_request_is_cancelled_without_being_sent()
    {
        using var client = Client();
        using var cancel = new CancellationTokenSource();
        using (await client.GetAsync(new Uri("http://registry.invalid/1")))
        using (await client.GetAsync(new Uri("http://registry.invalid/2")))
        {
        }

        var waiting = client.GetAsync(new Uri("http://registry.invalid/3"), cancel.Token);
        await QueuedAsync(1);
        Assert.False(waiting.IsCompleted);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.Equal(2, _inner.Count);
        Assert.Equal(0, _limiter.GetStatistics()!.CurrentQueuedCount);
    }

    [Fact]
    public async Task A_refused_permit_fails_the_request_without_sending_it()
    {
        using var limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = 1, QueueLimit = 0 });
        using var held = limiter.AttemptAcquire();
        using var client = new HttpClient(new RateLimitingHandler(limiter) { InnerHandler = _inner });

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync(new Uri("http://registry.invalid/1")));
        Assert.Equal(0, _inner.Count);
    }

    [Fact]
    public async Task RegistryClient_retries_go_through_the_limiter_too()
    {
        _inner.Status = HttpStatusCode.ServiceUnavailable;
        var limited = new RateLimitingHandler(_limiter) { InnerHandler = _inner };
        using var pipeline = new RegistryPipeline(limited, retry: new RetryPolicy(3, TimeSpan.Zero, TimeSpan.Zero));
        var registry = new RegistryClient(new Uri("http://registry.invalid"), pipeline);

        var listing = registry.ListTagsAsync("r");
        await QueuedAsync(1);
        Assert.Equal(2, _inner.Count);
        Assert.False(listing.IsCompleted);
        Assert.True(_limiter.TryReplenish());

        await Assert.ThrowsAsync<RegistryException>(() => listing);
        Assert.Equal(3, _inner.Count);
    }

    [Theory]
    [InlineData(null, -1, -1)]
    [InlineData(0.0, -1, -1)]
    [InlineData(0.5, 1, 1)]
    [InlineData(1.0, 1, 1)]
    [InlineData(5.0, 5, 1)]
    [InlineData(2.5, 3, 1)]
    [InlineData(100.0, 100, 5)]
    public void ForRequestsPerSecond_builds_a_bucket_with_a_burst_of_one_second(double? rps, int burst, int tokensPerTick)
    {
        using var limiter = RateLimitingHandler.ForRequestsPerSecond(rps);

        if (burst < 0)
        {
            Assert.Null(limiter);
            return;
        }

        var bucket = Assert.IsType<TokenBucketRateLimiter>(limiter);
        Assert.Equal(burst, bucket.GetStatistics()!.CurrentAvailablePermits);
        Assert.True(bucket.IsAutoReplenishing);
        Assert.Equal(TimeSpan.FromSeconds(tokensPerTick / rps!.Value), bucket.ReplenishmentPeriod);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void ForRequestsPerSecond_refuses_nonsense(double rps)
        => Assert.Throws<ArgumentOutOfRangeException>(() => RateLimitingHandler.ForRequestsPerSecond(rps));

    public void Dispose()
    {
        _limiter.Dispose();
        _inner.Dispose();
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> requests wait for a permit.</summary>
    private Task QueuedAsync(int count)
        => Eventually.TrueAsync(() => _limiter.GetStatistics()!.CurrentQueuedCount == count, $"{count} requests queued at the limiter");

    private HttpClient Client() => new(new RateLimitingHandler(_limiter) { InnerHandler = _inner }, disposeHandler: false);
}
