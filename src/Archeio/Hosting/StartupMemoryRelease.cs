using System.Runtime;

namespace Archeio.Hosting;

/// <summary>
/// Gives the start-up's garbage back to the system once, soon after the server listens: one compacting full
/// collection (large-object heap included) in the GC's aggressive mode, which also decommits the memory it frees.
/// </summary>
/// <remarks>
/// <para>
/// Why: a start reads the range files or snapshots whole and builds the lookup table from arrays of every listed
/// prefix, all of them large objects, which the GC only collects in a full collection and never moves unless asked.
/// Under a steady load the workstation GC rarely runs one, so the start's dead arrays stayed committed and resident for
/// the process's life: measured with bench/memory.sh and /proc/&lt;pid&gt;/smaps_rollup (docs/performance.md, "Memory
/// under load, second look"), the idle server's RSS went 44.5 → 35.2 MiB once this collection had run, and 51.7 → 49.2
/// MiB after a minute of load (the GC's committed memory at idle, by hand: 26.2 → 14.0 MB).
/// </para>
/// <para>
/// When: <see cref="Delay"/> after the host has started (Kestrel listening), well clear of the first requests (the
/// cold start is measured to the first correct answer) and of a rolling update's readiness checks; it pauses the
/// process once, for a few milliseconds with this heap. A later range refresh's garbage is ordinary and left to the GC.
/// </para>
/// </remarks>
internal sealed partial class StartupMemoryRelease(TimeProvider time, ILogger<StartupMemoryRelease> logger, Action collect)
    : IHostedLifecycleService, IDisposable
{
    /// <summary>How long after the start the collection runs.</summary>
    public static readonly TimeSpan Delay = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private Task _release = Task.CompletedTask;

    public StartupMemoryRelease(TimeProvider time, ILogger<StartupMemoryRelease> logger)
        : this(time, logger, CollectStartupGarbage)
    {
    }

    /// <summary>Completes when the collection has run (or the host stopped first).</summary>
    public Task Released => _release;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        _release = ReleaseAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _release;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _stopping.Dispose();

    private async Task ReleaseAsync(CancellationToken stopping)
    {
        try
        {
            await Task.Delay(Delay, time, stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        collect();
        LogReleased(logger, before / 1_048_576.0, GC.GetGCMemoryInfo().TotalCommittedBytes / 1_048_576.0);
    }

    private static void CollectStartupGarbage()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    [LoggerMessage(EventId = 72, Level = LogLevel.Debug, Message = "Start-up garbage released: the GC's committed memory {BeforeMb:F1} → {AfterMb:F1} MB")]
    private static partial void LogReleased(ILogger logger, double beforeMb, double afterMb);
}
