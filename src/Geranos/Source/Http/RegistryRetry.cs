using System.Net;
using System.Security.Cryptography;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Geranos.Source.Http;

/// <summary>
/// The Polly pipeline of one source request: repeated on 429, 5xx and connection errors with exponential backoff and
/// "equal jitter", or after the <c>Retry-After</c> the registry asked for
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes lists TOOMANYREQUESTS), every
/// delay capped at <see cref="RetryPolicy.MaxDelay"/>; each attempt optionally bounded by a timeout. Delays and
/// timeouts run on the injected <see cref="TimeProvider"/> (<see cref="ResiliencePipelineBuilderBase.TimeProvider"/>).
/// The delays are ours (<see cref="RetryStrategyOptions{TResult}.DelayGenerator"/>) rather than Polly's jitter, whose
/// decorrelated curve differs from the documented one.
/// </summary>
internal static class RegistryRetry
{
    /// <param name="policy">Attempts and delays.</param>
    /// <param name="time">Delays and timeouts run on it.</param>
    /// <param name="attemptTimeout">How long one attempt may take until its response (and, for buffered requests, its body) is in; null for no limit.</param>
    public static ResiliencePipeline<HttpResponseMessage> Create(RetryPolicy policy, TimeProvider time, TimeSpan? attemptTimeout)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(policy.MaxAttempts, 1, nameof(policy));
        var builder = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time };
        if (policy.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = policy.MaxAttempts - 1,
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome switch
                {
                    { Result: { } response } => IsTransient(response.StatusCode),
                    { Exception: HttpRequestException } => !args.Context.CancellationToken.IsCancellationRequested,
                    _ => false,
                }),
                DelayGenerator = args =>
                {
                    var delay = (args.Outcome.Result is { } response ? RetryAfter(response, time) : null) ?? Backoff(policy, args.AttemptNumber + 1);
                    return ValueTask.FromResult<TimeSpan?>(delay < policy.MaxDelay ? delay : policy.MaxDelay);
                },
            });
        }

        if (attemptTimeout is { } timeout)
        {
            builder.AddTimeout(new TimeoutStrategyOptions { Timeout = timeout });
        }

        return builder.Build();
    }

    private static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter?.Date is { } date ? (date > time.GetUtcNow() ? date - time.GetUtcNow() : TimeSpan.Zero) : null;
    }

    /// <summary>BaseDelay · 2^(attempt−1), times a random factor in [0.5, 1): "equal jitter".</summary>
    private static TimeSpan Backoff(RetryPolicy policy, int attempt)
    {
        var exponential = policy.BaseDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = exponential < policy.MaxDelay ? exponential : policy.MaxDelay;
        return capped * (0.5 + (RandomNumberGenerator.GetInt32(1000) / 2000.0));
    }
}
