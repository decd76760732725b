using System.Collections.Immutable;
using System.Net;
using System.Threading.RateLimiting;
using Archeio.Configuration;
using Archeio.Metrics;
using Archeio.Routing;

namespace Archeio.RateLimiting;

/// <summary>
/// Applies <c>RateLimits</c> to a request whose client is resolved: <see cref="RateLimitPolicy"/> says which limit and
/// partition (pure); the partition's token bucket says whether a token is left: in Redis for a shared limit
/// (<see cref="RedisRateLimitStore"/>), else, and whenever Redis cannot answer, in this replica's
/// <see cref="PartitionedRateLimiter"/> of <see cref="ClockedTokenBucket"/>s. A refused request is a
/// <see cref="RateLimited"/> decision, which the handler writes as a 429.
/// </summary>
internal sealed partial class ClientRateLimiter : IDisposable
{
    /// <summary>While Redis cannot answer, the fallback is logged at most this often.</summary>
    public static readonly TimeSpan FallbackLogInterval = TimeSpan.FromSeconds(30);

    private readonly RateLimitPolicy _policy;
    private readonly PartitionedRateLimiter<RateLimitKey>? _local;
    private readonly RedisRateLimitStore? _shared;
    private readonly RateLimitMetrics? _metrics;
    private readonly ILogger<ClientRateLimiter> _logger;
    private readonly TimeProvider _time;
    private readonly ImmutableArray<RateLimited> _refusals;
    private long _nextFallbackLog = long.MinValue;
    private int _falling;

    public ClientRateLimiter(ArcheioSettings settings, TimeProvider time, ILogger<ClientRateLimiter> logger, RedisRateLimitStore? shared = null, RateLimitMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _policy = new RateLimitPolicy(settings);
        _time = time;
        _logger = logger;
        _shared = shared;
        _metrics = metrics;
        var limits = settings.RateLimits;
        // Each limit's 429, its body encoded once; a refusal copies it with its Retry-After.
        _refusals = [.. limits.Select(l => RateLimited.For(l.Name, $"too many requests: over the rate limit '{l.Name}' ({l.PermitsPerMinute} a minute per {PartitionInWords(l.PartitionBy)})"))];
        // The library's partitioned limiter keeps one bucket per partition and drops those idle (full) for 10 s. It asks
        // for the partition on every request: the bucket's factory is made once here, not a closure per request.
        Func<RateLimitKey, RateLimiter> bucket = k => new ClockedTokenBucket(limits[k.Limit].PermitsPerMinute, limits[k.Limit].Burst, time);
        // Only with limits: the partitioned limiter runs a timer (every 100 ms) for as long as it lives.
        _local = limits.IsEmpty ? null : PartitionedRateLimiter.Create<RateLimitKey, RateLimitKey>(key => RateLimitPartition.Get(key, bucket));
    }

    /// <summary>Some limit is configured.</summary>
    public bool Enabled => !_policy.IsEmpty;

    /// <summary>Null: the request goes on; else the 429 to answer.</summary>
    public ValueTask<RateLimited?> CheckAsync(in ClientFacts client, IPAddress? peer)
    {
        if (!_policy.TryChoose(client, peer, out var limit, out var key))
        {
            return default;
        }

        return limit.Shared && _shared is not null ? CheckSharedAsync(limit, key) : new(CheckLocal(limit, key));
    }

    private async ValueTask<RateLimited?> CheckSharedAsync(RateLimitSettings limit, RateLimitKey key)
    {
        var answer = await _shared!.TryTakeAsync(limit, key);
        if (!answer.Answered)
        {
            // Never fail closed: a limit Redis cannot count is counted here, as if it were not shared.
            _metrics?.Fallback(limit.Name);
            NoteFallback(answer.Failure!);
            return CheckLocal(limit, key);
        }

        if (Interlocked.Exchange(ref _falling, 0) == 1)
        {
            LogSharedAgain(_logger);
        }

        return answer.Granted ? null : Refuse(limit, answer.RetryAfter);
    }

    private RateLimited? CheckLocal(RateLimitSettings limit, RateLimitKey key)
    {
        using var lease = _local!.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }

        return Refuse(limit, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1));
    }

    private RateLimited Refuse(RateLimitSettings limit, TimeSpan retryAfter) => _refusals[limit.Index] with { RetryAfter = retryAfter };

    private void NoteFallback(string why)
    {
        Interlocked.Exchange(ref _falling, 1);
        var now = _time.GetTimestamp();
        var next = Interlocked.Read(ref _nextFallbackLog);
        if (now >= next && Interlocked.CompareExchange(ref _nextFallbackLog, now + (long)(FallbackLogInterval.TotalSeconds * _time.TimestampFrequency), next) == next)
        {
            LogLocalFallback(_logger, why);
        }
    }

    private static string PartitionInWords(ClientPartition partition) => partition switch
    {
        ClientPartition.Network => "network (/24, /56)",
        ClientPartition.Asn => "autonomous system",
        _ => "client address",
    };

    public void Dispose() => _local?.Dispose();

    [LoggerMessage(EventId = 130, Level = LogLevel.Warning, Message = "Rate limits: Redis could not count a shared limit ({Reason}); limiting locally until it answers")]
    private static partial void LogLocalFallback(ILogger logger, string reason);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Rate limits: Redis answers again; shared limits are counted there")]
    private static partial void LogSharedAgain(ILogger logger);
}
