using System.Net;
using Archeio.Configuration;
using Archeio.Sources;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// Loads the inventory of every mirror that has one, then reloads it every <c>BlobCheck:InventoryRefresh</c>.
/// The first loads run before the server listens (hosted services start before Kestrel), so that the
/// first requests already skip HEADs; but an inventory is an optimisation, not a dependency: one that
/// fails or is slow is logged, and its mirror is checked by HEAD until a load succeeds. A refresh that
/// fails (fetch error, malformed text) keeps the last good inventory. Each inventory is a
/// <see cref="RefreshedSource{T}"/> (fetch or read, conditions, file stamp, timeout); this service supplies the
/// parser (<see cref="InventoryParser"/>) and installs each new set in <see cref="MirrorInventories"/>.
/// </summary>
internal sealed partial class InventoryRefreshService : BackgroundService
{
    public const string HttpClientName = "inventory";

    /// <summary>Longest start-up waits for the first loads; a load still running then goes on in the background.</summary>
    public static readonly TimeSpan StartupWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest one load may take, body included: room for a 1 GiB inventory at under 2 MB/s, while a
    /// connection that hangs does not hold its mirror's refreshes forever.
    /// </summary>
    public static readonly TimeSpan LoadTimeout = TimeSpan.FromMinutes(10);

    private readonly InventorySource[] _sources;
    private readonly MirrorInventories _inventories;
    private readonly IHttpClientFactory _httpClientFactory;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger<InventoryRefreshService> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private PeriodicTimer[] _timers = [];
    private Task[] _firstLoads = [];
    private int _disposed;

    public InventoryRefreshService(
        ArcheioSettings settings,
        MirrorInventories inventories,
        IHttpClientFactory httpClientFactory,
        TimeProvider time,
        ILogger<InventoryRefreshService> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        RefreshedSource<InventoryParseResult> Reader(string location)
            => new(location, ParseAsync, () => httpClientFactory.CreateClient(HttpClientName), LoadTimeout, time);
        _sources =
        [
            .. settings.Mirrors.Where(m => m.Inventory is not null).Select(m => new InventorySource(m.Name, m.Inventory!, m.Slot, Reader)),
            .. settings.Mirrors.Where(m => m.ManifestInventory is not null && settings.ManifestViewOf(m) is not null)
                .Select(m => new InventorySource(m.Name + " (manifests)", m.ManifestInventory!, settings.ManifestViewOf(m)!.Slot, Reader)),
        ];
        _inventories = inventories;
        _httpClientFactory = httpClientFactory;
        _interval = settings.BlobCheck.InventoryRefresh;
        _time = time;
        _logger = logger;
    }

    public InventoryCounters Counters { get; } = new();

    /// <summary>Registers the service, the inventories it fills and its HTTP client.</summary>
    public static void AddTo(IServiceCollection services)
    {
        services.AddSingleton<MirrorInventories>();
        services.AddSingleton<InventoryRefreshService>();
        services.AddHostedService(sp => sp.GetRequiredService<InventoryRefreshService>());
        services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Inventories are large, repetitive text: worth compressing when the server offers it.
                AutomaticDecompression = DecompressionMethods.All,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseCookies = false,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // LoadTimeout bounds the whole load, body included, on the injected clock; HttpClient's own
            // timeout would only cover the headers, and on the real clock.
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The refresh clock starts now: a refresh is due every interval from start-up, however long the
        // first load takes (a PeriodicTimer coalesces ticks missed while a load runs).
        _timers = [.. _sources.Select(_ => new PeriodicTimer(_interval, _time))];
        // Task.Run: parsing millions of lines is CPU work, and the loads should run side by side.
        _firstLoads = [.. _sources.Select(s => Task.Run(() => LoadAsync(s, _stopping.Token), CancellationToken.None))];
        if (_firstLoads.Length > 0)
        {
            try
            {
                await Task.WhenAll(_firstLoads).WaitAsync(StartupWait, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                for (var i = 0; i < _sources.Length; i++)
                {
                    if (!_firstLoads[i].IsCompleted)
                    {
                        LogStillLoading(_logger, _sources[i].Name, _sources[i].Display, StartupWait);
                    }
                }
            }
        }

        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host that failed to start, or the test host, may dispose the services before stopping them.
        if (Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync();
        }

        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        // Registered as itself and as a hosted service (the same instance), so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var timer in _timers)
        {
            timer.Dispose();
        }

        _stopping.Dispose();
        base.Dispose();
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.WhenAll(_sources.Select((source, i) => RefreshLoopAsync(source, _timers[i], _firstLoads[i], _stopping.Token)));

    private async Task RefreshLoopAsync(InventorySource source, PeriodicTimer timer, Task firstLoad, CancellationToken stopping)
    {
        try
        {
            // The first load may still be running (it outlived StartupWait): never two loads of one mirror at once.
            await firstLoad;
            await RefreshSchedule.RunAsync(timer, token => LoadAsync(source, token), e => LogRefreshCrashed(_logger, source.Name, e), stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>One load; never throws, except to stop.</summary>
    private async Task LoadAsync(InventorySource source, CancellationToken stopping)
    {
        var started = _time.GetTimestamp();
        var refresh = await source.Reader.RefreshAsync(stopping);
        if (refresh.Change == SourceChange.Unchanged)
        {
            LogNotModified(_logger, source.Name, source.Display);
            Counters.CountNotModified();
            return;
        }

        if (refresh.Change == SourceChange.Changed)
        {
            var result = source.Reader.Value!;
            var digests = result.Digests!;
            _inventories.Replace(source.Slot, digests);
            LogLoaded(_logger, source.Name, source.Display, digests.Count, result.Count, _time.GetElapsedTime(started).TotalMilliseconds);
            Counters.CountLoad();
            return;
        }

        var index = source.Slot;
        if (_inventories.Has(index))
        {
            LogFailedKeeping(_logger, source.Name, source.Display, refresh.Error!, _inventories.CountOf(index));
        }
        else
        {
            LogFailedNone(_logger, source.Name, source.Display, refresh.Error!);
        }

        // Counted after the log line, so that whoever sees the count (tests) also sees the line.
        Counters.CountFailure();
    }

    /// <summary>The inventory's digests; a malformed inventory is refused whole (<see cref="InventoryParser"/>).</summary>
    private static async Task<InventoryParseResult> ParseAsync(SourceContent content, CancellationToken cancellationToken)
    {
        var result = await InventoryParser.ParseAsync(content.Body, content.Length, cancellationToken);
        return result.Digests is null ? throw new SourceFormatException(result.Error ?? "no digests") : result;
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "Mirror {Mirror}: loaded inventory {Source}: {Distinct} digests ({Lines} lines) in {Milliseconds:F0} ms")]
    private static partial void LogLoaded(ILogger logger, string mirror, string source, int distinct, int lines, double milliseconds);

    [LoggerMessage(EventId = 41, Level = LogLevel.Debug, Message = "Mirror {Mirror}: inventory {Source} unchanged")]
    private static partial void LogNotModified(ILogger logger, string mirror, string source);

    [LoggerMessage(EventId = 42, Level = LogLevel.Error, Message = "Mirror {Mirror}: could not load inventory {Source}: {Error}. Keeping the previous one ({Count} digests).")]
    private static partial void LogFailedKeeping(ILogger logger, string mirror, string source, string error, int count);

    [LoggerMessage(EventId = 43, Level = LogLevel.Error, Message = "Mirror {Mirror}: could not load inventory {Source}: {Error}. Its blobs are checked by HEAD until a load succeeds.")]
    private static partial void LogFailedNone(ILogger logger, string mirror, string source, string error);

    [LoggerMessage(EventId = 45, Level = LogLevel.Error, Message = "Mirror {Mirror}: an inventory refresh failed unexpectedly; the current inventory is kept and the next refresh runs as planned")]
    private static partial void LogRefreshCrashed(ILogger logger, string mirror, Exception exception);

    [LoggerMessage(EventId = 44, Level = LogLevel.Error, Message = "Mirror {Mirror}: inventory {Source} not loaded within {Wait}; starting without it while the load goes on")]
    private static partial void LogStillLoading(ILogger logger, string mirror, string source, TimeSpan wait);
}
