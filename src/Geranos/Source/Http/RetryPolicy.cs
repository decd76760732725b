namespace Geranos.Source.Http;

/// <summary>
/// How often and how patiently <see cref="RegistryRetry"/> repeats a request that failed with 429, a 5xx or a
/// connection error. Delays grow exponentially from <see cref="BaseDelay"/> up to <see cref="MaxDelay"/>, with
/// jitter so that parallel mirrors do not retry in step; a <c>Retry-After</c> header wins over the backoff.
/// </summary>
/// <param name="MaxAttempts">Attempts in all, the first included.</param>
/// <param name="BaseDelay">The delay before the second attempt, before jitter.</param>
/// <param name="MaxDelay">The longest delay, <c>Retry-After</c> included.</param>
internal sealed record RetryPolicy(int MaxAttempts, TimeSpan BaseDelay, TimeSpan MaxDelay)
{
    public static RetryPolicy Default { get; } = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30));
}
