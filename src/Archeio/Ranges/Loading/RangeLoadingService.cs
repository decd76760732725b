using System.Globalization;
using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Sources;

namespace Archeio.Ranges.Loading;

/// <summary>
/// Loads every configured range source before the server starts listening (hosted services start
/// before Kestrel), then keeps them current every <c>RangesRefresh:Interval</c>.
/// </summary>
/// <remarks>
/// <para>
/// At start, URL sources with a copy in <c>RangesRefresh:CacheDirectory</c> or <c>RangesRefresh:BakedDirectory</c>
/// start from it, the one fetched last (and are fetched, conditionally, right after start, so a stale baked copy is
/// replaced by the first successful fetch); files and URL sources without a copy are read or
/// fetched before start-up completes. A file that cannot be read or parsed at start is a configuration
/// error and stops start-up; a URL that cannot be fetched (no network, provider down) is logged and its
/// cloud stays unknown, so that a provider outage never keeps the service down.
/// </para>
/// <para>
/// Each source is a <see cref="RefreshedSource{T}"/> (which owns the fetch or read, the conditions, the file
/// stamp, the timeout and the last good data; this service supplies the parser, <see cref="RangeSourceReader"/>).
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
        _refresh = settings.RangesRefresh;
        _states = [.. settings.Ranges.Select(s => new RangeSourceState(s, new RefreshedSource<RangeData>(
            s.Source,
            (content, cancellationToken) => ParseSourceAsync(s, content, cancellationToken),
            () => httpClientFactory.CreateClient(HttpClientName),
            _refresh.FetchTimeout,
            time,
            status => RangeSourceReader.StatusHint(s, status))))];
        _holder = holder;
        _status = status;
        _httpClientFactory = httpClientFactory;
        _time = time;
        _logger = logger;
    }

    /// <summary>Registers the service and its HTTP client.</summary>
    public static void AddTo(IServiceCollection services)
    {
        // One instance, which the host starts and the container's factory asks to begin loading early (BeginLoading).
        services.AddSingleton<RangeLoadingService>();
        services.AddHostedService(sp => sp.GetRequiredService<RangeLoadingService>());
        services.AddHttpClient(HttpClientName)
            // Provider files are large JSON (Azure's is several MB): worth compressing when offered.
            .ConfigurePrimaryHttpMessageHandler(CreateHandler)
            // FetchTimeout bounds each fetch, body included, on the injected clock.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
    }

    /// <summary>The handler of the range fetches, shared with <c>archeio ranges fetch</c> so that it fetches as the server does.</summary>
    internal static SocketsHttpHandler CreateHandler() => new() { AutomaticDecompression = DecompressionMethods.All, UseCookies = false };

    /// <summary>
    /// Starts the start-up load now, on the thread pool, rather than when the host starts the service:
    /// <c>Hosting/RangesFirstServiceProviderFactory</c> calls it as soon as the service container exists, so that the
    /// rest of the start-up (the host's own services, the request pipeline, the metrics, Kestrel) runs beside it on
    /// another core. <see cref="StartAsync"/> waits for it and reports its errors.
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
        // Read only: the copies `archeio ranges fetch` baked into the image (RangesRefreshSettings.BakedDirectory).
        var baked = _refresh.BakedDirectory is { } bakedDirectory ? new RangeCache(bakedDirectory) : null;
        if (_cache is not null || baked is not null)
        {
            await Task.WhenAll(_states.Where(s => s.Settings.IsUrl).Select(s => Task.Run(() => LoadCachedAsync(_cache, baked, s, cancellationToken), cancellationToken)));
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
        var reader = new RefreshedSource<RangeData>(
            source.Source,
            async (content, token) => (await RangeSourceReader.ReadAsync(source, content, null, token)).Data,
            () => http,
            timeout,
            time,
            status => RangeSourceReader.StatusHint(source, status));
        var refresh = await reader.RefreshAsync(cancellationToken);
        return refresh.Change == SourceChange.Failed ? (null, refresh.Error) : (reader.Value!.Prefixes, null);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            RangeSourceState[] cached = [.. _states.Where(s => s.FromCache)];
            if (cached.Length > 0)
            {
                await RefreshSchedule.GuardedAsync(token => RefreshAsync(cached, token), Crashed, stoppingToken);
            }

            await RefreshSchedule.RunAsync(_timer!, token => RefreshAsync(_states, token), Crashed, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>A refresh that fails unexpectedly (a bug) is logged, and the next tick tries again: the server keeps serving.</summary>
    private void Crashed(Exception exception) => LogRefreshCrashed(_logger, exception);

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
        var refresh = await state.Source.RefreshAsync(cancellationToken);
        if (refresh.Change == SourceChange.Failed)
        {
            var error = refresh.Error!;
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
        if (refresh.Change == SourceChange.Unchanged)
        {
            state.Status = state.Status with { LastSuccess = now, LastError = null };
            LogUnchanged(_logger, source.Cloud, source.Source);
            return false;
        }

        var data = state.Source.Value!;
        state.Status = state.Status with
        {
            Prefixes = data.Prefixes.Count,
            HasData = true,
            DataTime = state.Source.DataTime,
            LastSuccess = now,
            LastError = null,
        };
        LogLoaded(_logger, source.Cloud, source.Source, data.Prefixes.Count);
        LogSnapshotUse(source, data.Snapshot);
        return true;
    }

    /// <summary>
    /// The parser of a source: its data, and for a URL with a cache directory, its body and validators written there
    /// (only once parsed: a body refused is never what a restart starts from).
    /// </summary>
    private async Task<RangeData> ParseSourceAsync(RangeSourceSettings source, SourceContent content, CancellationToken cancellationToken)
    {
        var cache = _cache;
        var (data, body) = await RangeSourceReader.ReadAsync(source, content, cache, cancellationToken);
        if (content.Validators is { } validators && cache is not null)
        {
            var entry = new RangeCacheEntry(source.Source, validators.ETag, validators.LastModified, content.DataTime, _time.GetUtcNow());
            await WriteCacheAsync(cache, source, body, entry, cancellationToken);
        }

        return data;
    }

    /// <summary>Builds the next table from every source's last good prefixes, in configuration order, and swaps it in.</summary>
    private void Swap()
    {
        var started = _time.GetTimestamp();
        // One array of the exact size: a list grown to tens of thousands of entries left twice that in large-object
        // garbage, enough to set off a full collection in the middle of the start (perf, docs/performance.md).
        var all = new CloudPrefix[_states.Sum(s => s.Prefixes?.Count ?? 0)];
        var filled = 0;
        foreach (var prefixes in _states.Select(s => s.Prefixes).OfType<IReadOnlyList<CloudPrefix>>())
        {
            for (var i = 0; i < prefixes.Count; i++)
            {
                all[filled++] = prefixes[i];
            }
        }

        var table = IpRangeTable.Build(all);
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

    /// <summary>
    /// Starts a URL source from its copy in the cache or the baked directory, whichever was fetched last (the cache on a
    /// tie: it is what this deployment fetched itself); a missing or corrupt copy is no error (the source is fetched).
    /// </summary>
    private async Task LoadCachedAsync(RangeCache? cache, RangeCache? baked, RangeSourceState state, CancellationToken cancellationToken)
    {
        var source = state.Settings;
        var fromCache = cache is null ? null : await ReadCopyAsync(cache, source, cancellationToken);
        var fromBaked = baked is null ? null : await ReadCopyAsync(baked, source, cancellationToken);
        if (baked is not null && fromBaked is null)
        {
            // Usually an image baked for other range URLs than this configuration's: the start depends on the provider.
            LogBakedMissing(_logger, source.Cloud, source.Source, baked.Directory);
        }

        RangeCache copies;
        (byte[] Body, RangeCacheEntry Entry) copy;
        if (fromBaked is { } b && (fromCache is not { } c || b.Entry.FetchedAt > c.Entry.FetchedAt))
        {
            (copies, copy) = (baked!, b);
        }
        else if (fromCache is { } kept)
        {
            (copies, copy) = (cache!, kept);
        }
        else
        {
            return;
        }

        try
        {
            // A baked directory holds its snapshots (ranges fetch writes them); it is never written to, so a missing
            // one costs a parse and a warning (event 18) on every start until the image is rebuilt.
            var (prefixes, snapshot) = await RangeSourceReader.ParseAsync(source, copy.Body, copy.Body.Length, copies, cancellationToken);
            state.Source.Seed(new RangeData(prefixes, snapshot), new HttpValidators(copy.Entry.ETag, copy.Entry.LastModified), copy.Entry.DataTime);
            state.FromCache = true;
            state.Status = state.Status with { Prefixes = prefixes.Count, HasData = true, DataTime = copy.Entry.DataTime };
            if (copies == baked)
            {
                LogBakedLoaded(_logger, source.Cloud, prefixes.Count, copies.BodyPath(source), copy.Entry.FetchedAt, source.Source);
            }
            else
            {
                LogCacheLoaded(_logger, source.Cloud, prefixes.Count, copies.BodyPath(source), copy.Entry.FetchedAt, source.Source);
            }

            LogSnapshotUse(source, snapshot, copies);
        }
        catch (Exception e) when (e is InvalidDataException || RefreshedSource<RangeData>.IsSourceFailure(e))
        {
            LogCacheIgnored(_logger, source.Cloud, copies.BodyPath(source), RefreshedSource<RangeData>.Describe(e));
        }
    }

    /// <summary>A source's copy in <paramref name="copies"/>; null when there is none or it cannot be read (logged).</summary>
    private async Task<(byte[] Body, RangeCacheEntry Entry)?> ReadCopyAsync(RangeCache copies, RangeSourceSettings source, CancellationToken cancellationToken)
    {
        try
        {
            return await copies.ReadAsync(source, cancellationToken);
        }
        catch (Exception e) when (e is InvalidDataException || RefreshedSource<RangeData>.IsSourceFailure(e))
        {
            LogCacheIgnored(_logger, source.Cloud, copies.BodyPath(source), RefreshedSource<RangeData>.Describe(e));
            return null;
        }
    }

    private async Task WriteCacheAsync(RangeCache cache, RangeSourceSettings source, ReadOnlyMemory<byte> body, RangeCacheEntry entry, CancellationToken cancellationToken)
    {
        try
        {
            await cache.WriteAsync(source, body, entry, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            LogCacheWriteFailed(_logger, cache.BodyPath(source), e.Message);
        }
    }

    /// <summary>What became of a snapshot in <paramref name="snapshots"/> (the cache when not given).</summary>
    private void LogSnapshotUse(RangeSourceSettings source, RangeSnapshotUse use, RangeCache? snapshots = null)
    {
        if (use == RangeSnapshotUse.Read)
        {
            LogSnapshotRead(_logger, source.Cloud, (snapshots ?? _cache!).SnapshotPath(source));
        }
        else if (use == RangeSnapshotUse.WriteFailed)
        {
            LogCacheWriteFailed(_logger, (snapshots ?? _cache!).SnapshotPath(source), "the snapshot could not be written");
        }
    }
}
