using System.Globalization;
using Archeio.Configuration;
using StackExchange.Redis;

namespace Archeio.RateLimiting;

/// <summary>
/// Shared rate limits (<c>RateLimits:N:Shared</c>) counted in the Redis of <c>BlobCheck:Redis</c>, on the blob store's
/// connection: one token bucket per partition, a hash <c>archeio:v1:rate:&lt;limit&gt;:&lt;partition&gt;</c> updated
/// by one Lua script (atomic on the server), timed by the server's own clock (<c>TIME</c>), so replicas whose clocks
/// differ count alike. Never fails closed: while Redis is disconnected, slow (past <see cref="CallTimeout"/>) or
/// failing, <see cref="TryTakeAsync"/> answers null and the caller limits locally.
/// </summary>
/// <remarks>
/// Why a script of our own and not RedisRateLimiting 1.2.1 (the one Redis rate-limiting package on the feed): it is
/// built against StackExchange.Redis 2.8, a major version behind the 3.4 this project uses; it runs its scripts through
/// <c>LuaScript.Prepare</c>, whose parameters are bound by reflection over an anonymous object (not trim- or
/// NativeAOT-safe, and the package is not marked AOT-compatible); and its limiters own their connection and have no
/// fallback, where Archeio must go on limiting locally when Redis is down. The script below is the whole of it.
/// </remarks>
internal sealed class RedisRateLimitStore(Func<IConnectionMultiplexer?> connection, TimeProvider time)
{
    public const string KeyPrefix = "archeio:v1:rate:";

    /// <summary>Longest a shared limit may add to a request, as for the blob store's lookups.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(100);

    // KEYS[1] the bucket; ARGV[1] its size (Burst), ARGV[2] PermitsPerMinute. Tokens refill continuously; the
    // answer is {1, 0} when one was taken, else {0, microseconds until one is there}. The key expires once the
    // bucket would be full again (and so no different from a missing one).
    private const string Script = """
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2]) / 60000000
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local state = redis.call('HMGET', KEYS[1], 't', 'n')
        local tokens = capacity
        if state[1] and state[2] then
          tokens = math.min(capacity, tonumber(state[2]) + math.max(0, now - tonumber(state[1])) * rate)
        end
        local allowed = 0
        local wait = 0
        if tokens >= 1 then
          tokens = tokens - 1
          allowed = 1
        else
          wait = math.ceil((1 - tokens) / rate)
        end
        redis.call('HSET', KEYS[1], 't', now, 'n', tostring(tokens))
        redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate / 1000) + 1000)
        return {allowed, wait}
        """;

    public bool IsConnected => connection() is { IsConnected: true };

    /// <summary>The key of a partition's bucket.</summary>
    public static string KeyFor(RateLimitSettings limit, RateLimitKey key) => string.Concat(KeyPrefix, limit.Name, ":", key.ToString());

    /// <summary>
    /// Takes a token from the shared bucket: granted, or refused with the time until the next token; or no answer
    /// (<see cref="SharedAnswer.Failure"/> says why), and the caller decides locally.
    /// </summary>
    public async ValueTask<SharedAnswer> TryTakeAsync(RateLimitSettings limit, RateLimitKey key)
    {
        ArgumentNullException.ThrowIfNull(limit);
        if (connection() is not { IsConnected: true } redis)
        {
            return SharedAnswer.Failed("not connected");
        }

        Task<RedisResult>? call = null;
        try
        {
            call = redis.GetDatabase().ScriptEvaluateAsync(
                Script, [KeyFor(limit, key)], [limit.Burst, limit.PermitsPerMinute]);
            var result = await call.WaitAsync(CallTimeout, time);
            var values = (RedisResult[]?)result;
            return values is { Length: 2 }
                ? new SharedAnswer((long)values[0] == 1, TimeSpan.FromMicroseconds((long)values[1]), null)
                : SharedAnswer.Failed("unexpected script answer");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException or InvalidCastException)
        {
            if (call is { IsCompleted: false })
            {
                // Cut off by CallTimeout: the library fails the command later; observe that here.
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            return SharedAnswer.Failed(ex is TimeoutException and not RedisTimeoutException
                ? string.Create(CultureInfo.InvariantCulture, $"no answer within {CallTimeout.TotalMilliseconds} ms")
                : ex.Message);
        }
    }
}

/// <summary>The shared bucket's answer: a token taken, or not and when one will be there; or none (<see cref="Failure"/>).</summary>
internal readonly record struct SharedAnswer(bool Granted, TimeSpan RetryAfter, string? Failure)
{
    public bool Answered => Failure is null;

    public static SharedAnswer Failed(string why) => new(false, TimeSpan.Zero, why);
}
