using System.Globalization;
using Archeio.Configuration;
using StackExchange.Redis;

namespace Archeio.Blobs.SharedStore;

/// <summary>
/// Mirror-check answers in Redis, shared by replicas: key <c>archeio:v1:blob:&lt;mirror&gt;:&lt;digest&gt;</c>,
/// value <c>1</c> (present), <c>1:&lt;size&gt;</c> (present, with the blob's size in bytes, when the answer gave it) or
/// <c>0</c> (absent), expiring after the answer's TTL. The size's form keeps the key's version: a replica of a version
/// before it reads <c>1:&lt;size&gt;</c> as no answer (its parse of a number fails) and sends its own HEAD, never a
/// wrong one, and this version reads the older <c>1</c> as present with the size unknown, so replicas of both
/// versions share one Redis through a rolling upgrade. Redis is an optimisation
/// on the request path, so it must never fail or slow a request: the connection is made in the background
/// (start-up does not wait for Redis, nor fail without it), commands are not queued while disconnected,
/// a lookup while disconnected answers null at once, and every lookup is cut off after
/// <see cref="CallTimeout"/>. Errors are counted, and logged at most once per <see cref="ErrorLogInterval"/>
/// so that a dead Redis does not flood the logs.
/// </summary>
internal sealed partial class RedisBlobResultStore : IBlobResultStore, IDisposable
{
    public const string KeyPrefix = "archeio:v1:blob:";

    /// <summary>Longest a lookup may add to a request; a healthy Redis on the same network answers in well under 1 ms.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromMilliseconds(100);

    public static readonly TimeSpan ErrorLogInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Defaults where the connection string sets none (the library's are 5 s): the initial connect and
    /// each reconnect attempt give up sooner, and a command that never completes is failed sooner.
    /// </summary>
    private const int DefaultConnectTimeoutMilliseconds = 2000;
    private const int DefaultAsyncTimeoutMilliseconds = 1000;

    private readonly Task<ConnectionMultiplexer?> _connecting;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisBlobResultStore> _logger;
    private readonly long _errorLogTicks;
    private long _nextErrorLog = long.MinValue;
    private long _suppressedErrors;
    private long _hits;
    private long _misses;
    private long _errors;
    private long _writes;
    private long _unavailable;
    private int _disposed;

    public RedisBlobResultStore(string connectionString, TimeProvider time, ILogger<RedisBlobResultStore> logger)
    {
        var options = CreateOptions(connectionString);
        _time = time;
        _logger = logger;
        _errorLogTicks = (long)(ErrorLogInterval.TotalSeconds * time.TimestampFrequency);
        Endpoint = string.Join(",", options.EndPoints);
        // Connecting waits up to ConnectTimeout even when the port refuses: not on the constructor's thread.
        _connecting = Task.Run(() => ConnectAsync(options));
    }

    /// <summary>Where the store connects, for logs.</summary>
    public string Endpoint { get; }

    public bool IsConnected => Connection is { IsConnected: true };

    /// <summary>Lookups that found an answer.</summary>
    public long Hits => Interlocked.Read(ref _hits);

    /// <summary>Lookups that found no answer.</summary>
    public long Misses => Interlocked.Read(ref _misses);

    /// <summary>Lookups and writes that failed or timed out.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Writes sent.</summary>
    public long Writes => Interlocked.Read(ref _writes);

    /// <summary>Lookups and writes skipped because Redis was not connected.</summary>
    public long Unavailable => Interlocked.Read(ref _unavailable);

    /// <summary>The connection once made, or null; also what shared rate limits count through (RateLimiting/RedisRateLimitStore.cs).</summary>
    internal ConnectionMultiplexer? Connection => _connecting.IsCompletedSuccessfully && Volatile.Read(ref _disposed) == 0 ? _connecting.Result : null;

    /// <summary>The key of an answer; the digest has exactly one colon, so names and digests cannot run into each other.</summary>
    public static string KeyFor(string mirrorName, string digest) => string.Concat(KeyPrefix, mirrorName, ":", digest);

    /// <summary>Why a connection string cannot be used, or null: for the configuration reader.</summary>
    public static string? CheckConnectionString(string connectionString)
    {
        try
        {
            return ConfigurationOptions.Parse(connectionString).EndPoints.Count == 0 ? "names no Redis endpoint" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The library's options for the connection string, with the behaviour this store relies on forced or defaulted.</summary>
    public static ConfigurationOptions CreateOptions(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        // Forced whatever the string says: start-up must not fail because Redis is down (the
        // multiplexer keeps reconnecting in the background) ...
        options.AbortOnConnectFail = false;
        // ... and commands issued while disconnected fail at once instead of queueing for a reconnect
        // that would come after the request has been answered anyway.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        if (!Names(connectionString, "connectTimeout"))
        {
            options.ConnectTimeout = DefaultConnectTimeoutMilliseconds;
        }

        // The library's async timeout defaults to its sync timeout: leave both alone if either is set.
        if (!Names(connectionString, "asyncTimeout") && !Names(connectionString, "syncTimeout"))
        {
            options.AsyncTimeout = DefaultAsyncTimeoutMilliseconds;
        }

        return options;
    }

    public async ValueTask<BlobAnswer?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(digest);
        if (Connection is not { IsConnected: true } connection)
        {
            Interlocked.Increment(ref _unavailable);
            return null;
        }

        Task<RedisValue>? get = null;
        try
        {
            get = connection.GetDatabase().StringGetAsync(KeyFor(mirror.Name, digest));
            var value = await get.WaitAsync(CallTimeout, _time, cancellationToken);
            // IsNull first: the library parses a nil reply as the number 0.
            if (!value.IsNull && Parse(value) is { } answer)
            {
                Interlocked.Increment(ref _hits);
                return answer;
            }

            // No key, or one not written by this version: no answer.
            Interlocked.Increment(ref _misses);
            return null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException && !cancellationToken.IsCancellationRequested)
        {
            if (get is { IsCompleted: false })
            {
                // Cut off by CallTimeout: the library fails the command later; observe that here.
                _ = get.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            Failed(ex is TimeoutException && ex is not RedisTimeoutException
                ? string.Create(CultureInfo.InvariantCulture, $"GET timed out after {CallTimeout.TotalMilliseconds} ms")
                : ex.Message);
            return null;
        }
    }

    /// <summary>The value of a key: <c>0</c>, <c>1</c> or <c>1:&lt;size&gt;</c>; null for anything else (another version's, a damaged one).</summary>
    internal static BlobAnswer? Parse(RedisValue value)
    {
        if (value.TryParse(out long flag))
        {
            return flag switch
            {
                0 => new BlobAnswer(false),
                1 => new BlobAnswer(true),
                _ => null,
            };
        }

        var text = (string?)value;
        return text is { Length: > 2 } && text.StartsWith("1:", StringComparison.Ordinal)
            && long.TryParse(text.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            ? new BlobAnswer(true, size)
            : null;
    }

    /// <summary>The value <see cref="Parse"/> reads back.</summary>
    internal static RedisValue ValueOf(bool present, long size)
        => !present ? 0 : size < 0 ? 1 : string.Create(CultureInfo.InvariantCulture, $"1:{size}");

    public void Set(Candidate mirror, string digest, bool present, TimeSpan ttl, long size = -1)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(digest);
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        if (Connection is not { IsConnected: true } connection)
        {
            Interlocked.Increment(ref _unavailable);
            return;
        }

        try
        {
            // Fire and forget: the command is written to the connection's pipe and the call returns.
            _ = connection.GetDatabase().StringSetAsync(KeyFor(mirror.Name, digest), ValueOf(present, size), new Expiration(ttl), ValueCondition.Always, CommandFlags.FireAndForget);
            Interlocked.Increment(ref _writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Failed(ex.Message);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _ = _connecting.ContinueWith(
            static t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    t.Result?.Dispose();
                }
            },
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private static bool Names(string connectionString, string key)
    {
        foreach (var part in connectionString.Split(',', StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && part.AsSpan(0, equals).Trim().Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private async Task<ConnectionMultiplexer?> ConnectAsync(ConfigurationOptions options)
    {
        try
        {
            var connection = await ConnectionMultiplexer.ConnectAsync(options);
            connection.ConnectionFailed += OnConnectionFailed;
            connection.ConnectionRestored += OnConnectionRestored;
            if (connection.IsConnected)
            {
                LogConnected(_logger, Endpoint);
            }
            else
            {
                LogNotConnected(_logger, Endpoint);
            }

            return connection;
        }
        catch (Exception ex) when (ex is RedisException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            // Not a connection failure (AbortOnConnectFail is off) but a configuration the library
            // rejects: the store stays unavailable, and the service runs without it.
            LogConnectFailed(_logger, ex, Endpoint);
            return null;
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The multiplexer also holds a subscription connection, which this store does not use.
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            LogConnectionFailed(_logger, e.EndPoint?.ToString() ?? Endpoint, e.FailureType, e.Exception?.Message);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            LogConnectionRestored(_logger, e.EndPoint?.ToString() ?? Endpoint);
        }
    }

    private void Failed(string error)
    {
        Interlocked.Increment(ref _errors);
        var now = _time.GetTimestamp();
        var next = Interlocked.Read(ref _nextErrorLog);
        if (now >= next && Interlocked.CompareExchange(ref _nextErrorLog, now + _errorLogTicks, next) == next)
        {
            LogError(_logger, Endpoint, error, Interlocked.Exchange(ref _suppressedErrors, 0), ErrorLogInterval);
        }
        else
        {
            Interlocked.Increment(ref _suppressedErrors);
        }
    }

    [LoggerMessage(EventId = 50, Level = LogLevel.Information, Message = "Redis {Endpoint}: connected")]
    private static partial void LogConnected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 51, Level = LogLevel.Warning, Message = "Redis {Endpoint}: not reachable at start-up; running without the shared cache and reconnecting in the background")]
    private static partial void LogNotConnected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 52, Level = LogLevel.Error, Message = "Redis {Endpoint}: cannot connect; running without the shared cache")]
    private static partial void LogConnectFailed(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 53, Level = LogLevel.Warning, Message = "Redis {Endpoint}: connection lost ({FailureType}: {Error}); running without the shared cache until it is restored")]
    private static partial void LogConnectionFailed(ILogger logger, string endpoint, ConnectionFailureType failureType, string? error);

    [LoggerMessage(EventId = 54, Level = LogLevel.Information, Message = "Redis {Endpoint}: connection restored")]
    private static partial void LogConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 55, Level = LogLevel.Warning, Message = "Redis {Endpoint}: {Error} ({Suppressed} more errors in the last {Interval} not logged)")]
    private static partial void LogError(ILogger logger, string endpoint, string error, long suppressed, TimeSpan interval);
}
