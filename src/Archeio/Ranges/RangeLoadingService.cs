using System.Globalization;
using System.Net;
using Archeio.Configuration;

namespace Archeio.Ranges;

/// <summary>
/// Loads every configured range source before the server starts listening (hosted services start
/// before Kestrel), then keeps them current every <c>RangesRefresh:Interval</c>.
/// </summary>
/// <remarks>
/// <para>
/// At start, URL sources with a copy in <c>RangesRefresh:CacheDirectory</c> start from it (and are
/// fetched, conditionally, right after start); files and URL sources without a copy are read or
/// fetched before start-up completes. A file that cannot be read or parsed at start is a configuration
/// error and stops start-up; a URL that cannot be fetched (no network, provider down) is logged and its
/// cloud stays unknown, so that a provider outage never keeps the service down.
/// </para>
/// <para>
/// A refresh fetches every URL with <c>If-None-Match</c>/<c>If-Modified-Since</c> and re-reads every
/// file whose time or length changed, all in parallel; then, if any source changed, it builds the next
/// <see cref="IpRangeTable"/> from every source's last good prefixes aside and swaps it in whole
/// (<see cref="IpRangeTableHolder.Replace"/>), so a lookup sees the old table or the new one, never a
/// partial one. A source that fails or parses badly keeps its last good prefixes.
/// </para>
/// </remarks>
internal sealed partial class RangeLoadingService : BackgroundService
{
    public const string HttpClientName = "ranges";

    private readonly RangeSourceState[] _states;
    private readonly RangesRefreshSettings _refresh;
    private readonly IpRangeTableHolder _holder;
    private readonly RangeStatus _status;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeProvider _time;
    private readonly ILogger<RangeLoadingService> _logger;
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private RangeCache? _cache;
    private PeriodicTimer? _timer;
    private Task? _loading;

    public RangeLoadingService(
        ArcheioSettings settings,
        IpRangeTableHolder holder,
        RangeStatus status,
        IHttpClientFactory httpClientFactory,
        TimeProvider time,
        ILogger<RangeLoadingService> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _states = [.. settings.Ranges.Select(s => new RangeSourceState(s))];
        _refresh = settings.RangesRefresh;
        _holder = holder;
        _status = status;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
    }

    /// <summary>Registers the service and its HTTP client.</summary>
    public static void AddTo(IServiceCollection services)
    {
        // One instance, which the host starts and ArcheioHost can ask to begin loading early (BeginLoading).
        services.AddSingleton<RangeLoadingService>();
        services.AddHostedService(sp => sp.GetRequiredService<RangeLoadingService>());
        services.AddHttpClient(HttpClientName)
            // Provider files are large JSON (Azure's is several MB): worth compressing when offered.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.All, UseCookies = false })
            // FetchTimeout bounds each fetch, body included, on the injected clock.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Starts the start-up load now, on the thread pool, rather than when the host starts the service: ArcheioHost
    /// calls it right after building the host, so that the rest of the start-up (the request pipeline, the metrics,
    /// Kestrel) runs beside it on another core. <see cref="StartAsync"/> waits for it and reports its errors.
    /// </summary>
    public void BeginLoading() => _loading ??= Task.Run(() => LoadAtStartAsync(CancellationToken.None));

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The refresh clock starts now; a PeriodicTimer coalesces ticks missed while a refresh runs.
        _timer = new PeriodicTimer(_refresh.Interval, _time);
        await (_loading ??= LoadAtStartAsync(cancellationToken)).WaitAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    /// <summary>Loads every source (the cache first for URLs), then builds and publishes the first table.</summary>
    /// <exception cref="InvalidConfigurationException">A file source cannot be read or parsed.</exception>
    private async Task LoadAtStartAsync(CancellationToken cancellationToken)
    {
        _cache = OpenCache();
        if (_cache is { } cache)
        {
            await Task.WhenAll(_states.Where(s => s.Settings.IsUrl).Select(s => Task.Run(() => LoadCachedAsync(cache, s, cancellationToken), cancellationToken)));
        }

        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            // URL sources started from the cache are fetched right after start (ExecuteAsync), not waited for.
            await RefreshSourcesAsync([.. _states.Where(s => !s.FromCache)], atStart: true, cancellationToken);
            var errors = new List<ConfigurationError>();
            foreach (var state in _states.Where(s => s.Prefixes is null))
            {
                var source = state.Settings;
                if (source.IsUrl)
                {
                    var readiness = _refresh.RequireAtStart ? "; /readyz reports not ready until it loads" : string.Empty;
                    LogUrlFailed(_logger, source.Cloud, source.Source, state.Status.LastError!, _refresh.Interval, readiness);
                }
                else
                {
                    errors.Add(new ConfigurationError($"{ArcheioSettingsReader.SectionName}:Ranges", $"{source.Cloud} source '{source.Source}': {state.Status.LastError}"));
                }
            }

            if (errors.Count > 0)
            {
                throw new InvalidConfigurationException(errors);
            }

            Swap();
            Publish();
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>
    /// Refreshes every source once (in parallel) and swaps in a new table if any changed. Serialised with
    /// the timer's refreshes. Never throws for a bad source.
    /// </summary>
    /// <returns>Whether the table was replaced.</returns>
    public Task<bool> RefreshOnceAsync(CancellationToken cancellationToken) => RefreshAsync(_states, cancellationToken);

    public override void Dispose()
    {
        _timer?.Dispose();
        _refreshing.Dispose();
        base.Dispose();
    }

    /// <summary>Reads and parses one source: a file, or a URL fetched within <paramref name="timeout"/>. Never throws for a bad source.</summary>
    internal static async Task<(IReadOnlyList<CloudPrefix>? Prefixes, string? Error)> LoadSourceAsync(
        RangeSourceSettings source, HttpClient http, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        try
        {
            // Without validators or a stamp, both always read: the result is never "unchanged".
            var read = source.IsUrl
                ? await RangeSourceReader.FetchAsync(source, null, http, timeout, time, null, cancellationToken)
                : await RangeSourceReader.ReadFileAsync(source, null, null, cancellationToken);
            return (read!.Prefixes, null);
        }
        catch (Exception e) when (RangeSourceReader.IsSourceFailure(e))
        {
            return (null, RangeSourceReader.Describe(e));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            RangeSourceState[] cached = [.. _states.Where(s => s.FromCache)];
            if (cached.Length > 0)
            {
                await RefreshGuardedAsync(cached, stoppingToken);
            }

            while (await _timer!.WaitForNextTickAsync(stoppingToken))
            {
                await RefreshGuardedAsync(_states, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A refresh that fails unexpectedly (a bug) is logged, and the next tick tries again: the server keeps serving.</summary>
    private async Task RefreshGuardedAsync(RangeSourceState[] states, CancellationToken stoppingToken)
    {
        try
        {
            await RefreshAsync(states, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogRefreshCrashed(_logger, e);
        }
    }

    private async Task<bool> RefreshAsync(RangeSourceState[] states, CancellationToken cancellationToken)
    {
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            var changed = await RefreshSourcesAsync(states, atStart: false, cancellationToken);
            if (changed)
            {
                Swap();
            }

            Publish();
            return changed;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <summary>Refreshes <paramref name="states"/> side by side (parsing is CPU work); true if any changed.</summary>
    private async Task<bool> RefreshSourcesAsync(RangeSourceState[] states, bool atStart, CancellationToken cancellationToken)
    {
        var changed = await Task.WhenAll(states.Select(s => Task.Run(() => RefreshSourceAsync(s, atStart, cancellationToken), cancellationToken)));
        return changed.Any(c => c);
    }

    /// <summary>One source; true if its prefixes changed. At start, failures are reported by the caller.</summary>
    private async Task<bool> RefreshSourceAsync(RangeSourceState state, bool atStart, CancellationToken cancellationToken)
    {
        var source = state.Settings;
        RangeRead? read;
        try
        {
            read = source.IsUrl
                ? await RangeSourceReader.FetchAsync(source, state.Validators, _httpClientFactory.CreateClient(HttpClientName), _refresh.FetchTimeout, _time, _cache, cancellationToken)
                : await RangeSourceReader.ReadFileAsync(source, state.Stamp, _cache, cancellationToken);
        }
        catch (Exception e) when (RangeSourceReader.IsSourceFailure(e))
        {
            var error = RangeSourceReader.Describe(e);
            state.Status = state.Status with { Failures = state.Status.Failures + 1, LastError = error };
            if (atStart)
            {
                return false;
            }

            if (state.Prefixes is { } kept)
            {
                LogRefreshFailed(_logger, source.Cloud, source.Source, error, kept.Count, state.Status.DataTime);
            }
            else
            {
                LogStillNoData(_logger, source.Cloud, source.Source, error);
            }

            return false;
        }

        var now = _time.GetUtcNow();
        state.FromCache = false;
        if (read is null)
        {
            state.Status = state.Status with { LastSuccess = now, LastError = null };
            LogUnchanged(_logger, source.Cloud, source.Source);
            return false;
        }

        state.Prefixes = read.Prefixes;
        state.Validators = read.Validators;
        state.Stamp = read.Stamp;
        state.Status = state.Status with
        {
            Prefixes = read.Prefixes.Count,
            HasData = true,
            DataTime = read.DataTime,
            LastSuccess = now,
            LastError = null,
        };
        LogLoaded(_logger, source.Cloud, source.Source, read.Prefixes.Count);
        LogSnapshotUse(source, read.Snapshot);
        if (source.IsUrl && _cache is { } cache)
        {
            await WriteCacheAsync(cache, state, read, now, cancellationToken);
        }

        return true;
    }

    /// <summary>Builds the next table from every source's last good prefixes, in configuration order, and swaps it in.</summary>
    private void Swap()
    {
        var started = _time.GetTimestamp();
        var table = IpRangeTable.Build(_states.SelectMany(s => s.Prefixes ?? []));
        _holder.Replace(table);
        var counts = string.Join(", ", _states.Select(s => s.Prefixes is { } p
            ? string.Create(CultureInfo.InvariantCulture, $"{s.Settings.Cloud} {p.Count}")
            : $"{s.Settings.Cloud} none"));
        LogBuilt(_logger, table.Count, counts, _time.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Publishes every source's status; after <see cref="Swap"/>, so a source reported as having data is in the table.</summary>
    private void Publish()
    {
        foreach (var state in _states)
        {
            _status.Update(state.Status);
        }
    }

    private RangeCache? OpenCache()
    {
        if (_refresh.CacheDirectory is not { } directory)
        {
            return null;
        }

        var cache = new RangeCache(directory);
        try
        {
            cache.Create();
            return cache;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheWriteFailed(_logger, directory, e.Message);
            return null;
        }
    }

    /// <summary>Starts a URL source from its cached copy; a missing or corrupt copy is no error (the source is fetched).</summary>
    private async Task LoadCachedAsync(RangeCache cache, RangeSourceState state, CancellationToken cancellationToken)
    {
        var source = state.Settings;
        try
        {
            if (await cache.ReadAsync(source, cancellationToken) is not { } cached)
            {
                return;
            }

            var (prefixes, snapshot) = await RangeSourceReader.ParseAsync(source, cached.Body, cached.Body.Length, cache, cancellationToken);
            state.Prefixes = prefixes;
            state.Validators = new RangeValidators(cached.Entry.ETag, cached.Entry.LastModified);
            state.FromCache = true;
            state.Status = state.Status with { Prefixes = prefixes.Count, HasData = true, DataTime = cached.Entry.DataTime };
            LogCacheLoaded(_logger, source.Cloud, prefixes.Count, cache.BodyPath(source), cached.Entry.FetchedAt, source.Source);
            LogSnapshotUse(source, snapshot);
        }
        catch (Exception e) when (e is InvalidDataException || RangeSourceReader.IsSourceFailure(e))
        {
            LogCacheIgnored(_logger, source.Cloud, cache.BodyPath(source), RangeSourceReader.Describe(e));
        }
    }

    private async Task WriteCacheAsync(RangeCache cache, RangeSourceState state, RangeRead read, DateTimeOffset fetchedAt, CancellationToken cancellationToken)
    {
        var source = state.Settings;
        var entry = new RangeCacheEntry(source.Source, read.Validators?.ETag, read.Validators?.LastModified, read.DataTime, fetchedAt);
        try
        {
            await cache.WriteAsync(source, read.Body, entry, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheWriteFailed(_logger, cache.BodyPath(source), e.Message);
        }
    }

    private void LogSnapshotUse(RangeSourceSettings source, RangeSnapshotUse use)
    {
        if (use == RangeSnapshotUse.Read)
        {
            LogSnapshotRead(_logger, source.Cloud, _cache!.SnapshotPath(source));
        }
        else if (use == RangeSnapshotUse.WriteFailed)
        {
            LogCacheWriteFailed(_logger, _cache!.SnapshotPath(source), "the snapshot could not be written");
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from {Source}")]
    private static partial void LogLoaded(ILogger logger, string cloud, string source, int count);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Could not load the {Cloud} ranges from {Source}: {Error}. Starting with that cloud unknown to routing (next attempt in {Interval}){Readiness}.")]
    private static partial void LogUrlFailed(ILogger logger, string cloud, string source, string error, TimeSpan interval, string readiness);

    [LoggerMessage(EventId = 12, Level = LogLevel.Information, Message = "IP range table built: {Count} prefixes ({Sources}) in {Milliseconds:F1} ms")]
    private static partial void LogBuilt(ILogger logger, int count, string sources, double milliseconds);

    [LoggerMessage(EventId = 13, Level = LogLevel.Debug, Message = "The {Cloud} ranges at {Source} are unchanged")]
    private static partial void LogUnchanged(ILogger logger, string cloud, string source);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Could not refresh the {Cloud} ranges from {Source}: {Error}. Keeping the previous data ({Count} prefixes, of {DataTime:u}).")]
    private static partial void LogRefreshFailed(ILogger logger, string cloud, string source, string error, int count, DateTimeOffset? dataTime);

    [LoggerMessage(EventId = 15, Level = LogLevel.Error, Message = "Could not load the {Cloud} ranges from {Source}: {Error}. That cloud stays unknown to routing until a refresh succeeds.")]
    private static partial void LogStillNoData(ILogger logger, string cloud, string source, string error);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Loaded {Count} prefixes for {Cloud} from the cached copy {Path} (fetched {FetchedAt:u}); checking {Source} for a newer one")]
    private static partial void LogCacheLoaded(ILogger logger, string cloud, int count, string path, DateTimeOffset fetchedAt, string source);

    [LoggerMessage(EventId = 17, Level = LogLevel.Warning, Message = "Ignoring the cached {Cloud} ranges {Path}: {Error}")]
    private static partial void LogCacheIgnored(ILogger logger, string cloud, string path, string error);

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Could not write the range cache {Path}: {Error}. A restart cannot start from it.")]
    private static partial void LogCacheWriteFailed(ILogger logger, string path, string error);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Read the {Cloud} prefixes from the snapshot {Path} instead of parsing the JSON")]
    private static partial void LogSnapshotRead(ILogger logger, string cloud, string path);

    [LoggerMessage(EventId = 19, Level = LogLevel.Error, Message = "A range refresh failed unexpectedly; the current table is kept and the next refresh runs as planned")]
    private static partial void LogRefreshCrashed(ILogger logger, Exception exception);
}
