using System.Globalization;
using System.Threading.RateLimiting;

namespace Geranos.Source;

/// <summary>
/// Holds every outgoing request until <see cref="RateLimiter"/> grants it a permit, so that <c>--source-rps</c> caps
/// what Geranos asks of a source registry whatever the parallelism: registries throttle mirrors (Docker Hub's pull
/// limits, 429 TOOMANYREQUESTS in https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes),
/// and staying under the limit is cheaper than backing off after it. Sitting below <see cref="RegistryClient"/>'s
/// <see cref="HttpClient"/>, it counts retries, token fetches and redirects too: each is a request the registry sees.
/// The lease is held until the response headers arrive, which matters only for limiters that hand permits back
/// (a concurrency limiter); a token bucket's lease returns nothing.
/// </summary>
internal sealed class RateLimitingHandler(RateLimiter limiter) : DelegatingHandler
{
    /// <summary>Below this, a token bucket would tick too often for nothing: add several tokens per tick instead.</summary>
    private static readonly TimeSpan ShortestReplenishment = TimeSpan.FromMilliseconds(50);

    private readonly RateLimiter _limiter = limiter ?? throw new ArgumentNullException(nameof(limiter));

    /// <summary>
    /// A token bucket for <paramref name="requestsPerSecond"/>: that many tokens a second, a burst of as many (at least
    /// one), and a queue that never turns a request away, oldest first. Null or 0 means no limit and gives null.
    /// </summary>
    public static RateLimiter? ForRequestsPerSecond(double? requestsPerSecond)
    {
        if (requestsPerSecond is not { } rps || rps == 0)
        {
            return null;
        }

        if (!double.IsFinite(rps) || rps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(requestsPerSecond), rps.ToString(CultureInfo.InvariantCulture), "requests per second must be a positive number");
        }

        // One token every 1/rps s, or for high rates several tokens every ShortestReplenishment.
        var period = TimeSpan.FromSeconds(1 / rps);
        var tokensPerPeriod = 1;
        if (period < ShortestReplenishment)
        {
            tokensPerPeriod = (int)Math.Round(rps * ShortestReplenishment.TotalSeconds);
            period = TimeSpan.FromSeconds(tokensPerPeriod / rps);
        }

        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(1, (int)Math.Ceiling(rps)),
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken).ConfigureAwait(false);
        if (!lease.IsAcquired)
        {
            var reason = lease.TryGetMetadata(MetadataName.ReasonPhrase, out var phrase) ? phrase : "the rate limiter's queue is full";
            throw new HttpRequestException($"{request.Method} {request.RequestUri}: not sent, {reason}");
        }

        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        => throw new NotSupportedException("rate-limited requests are asynchronous only");
}
