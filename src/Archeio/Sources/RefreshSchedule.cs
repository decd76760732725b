namespace Archeio.Sources;

/// <summary>The periodic refresh of one source or of a group refreshed together.</summary>
internal static class RefreshSchedule
{
    /// <summary>
    /// Runs <paramref name="refresh"/> on every tick of <paramref name="timer"/> until <paramref name="stopping"/> is
    /// cancelled (a <see cref="PeriodicTimer"/> coalesces ticks missed while a refresh runs, so refreshes never overlap).
    /// A refresh that throws (a bug: a bad source is a <see cref="SourceChange.Failed"/>, not an exception) goes to
    /// <paramref name="crashed"/>, and the next tick tries again: the server keeps serving what it has.
    /// </summary>
    public static async Task RunAsync(PeriodicTimer timer, Func<CancellationToken, Task> refresh, Action<Exception> crashed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(timer);
        ArgumentNullException.ThrowIfNull(refresh);
        ArgumentNullException.ThrowIfNull(crashed);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await GuardedAsync(refresh, crashed, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// The offset of the <paramref name="index"/>th of <paramref name="count"/> sources probed every
    /// <paramref name="interval"/>: their first runs are spread over one interval rather than sent together.
    /// </summary>
    public static TimeSpan OffsetOf(int index, int count, TimeSpan interval) => interval * index / count;

    /// <summary>
    /// Waits <paramref name="offset"/>, runs <paramref name="refresh"/> once, then every <paramref name="interval"/>
    /// (<see cref="RunAsync"/>) until <paramref name="stopping"/> is cancelled: the schedule of each probed mirror and
    /// upstream.
    /// </summary>
    public static async Task RunEveryAsync(
        TimeSpan offset, TimeSpan interval, TimeProvider time, Func<CancellationToken, Task> refresh, Action<Exception> crashed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(time);
        try
        {
            await Task.Delay(offset, time, stopping);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        // The timer is armed before the first run: runs start an interval apart from the first one on, however
        // long that one takes (a tick it overlaps is coalesced).
        using var timer = new PeriodicTimer(interval, time);
        await GuardedAsync(refresh, crashed, stopping);
        await RunAsync(timer, refresh, crashed, stopping);
    }

    /// <summary>One <paramref name="refresh"/>, with an unexpected exception given to <paramref name="crashed"/>.</summary>
    public static async Task GuardedAsync(Func<CancellationToken, Task> refresh, Action<Exception> crashed, CancellationToken stopping)
    {
        ArgumentNullException.ThrowIfNull(refresh);
        ArgumentNullException.ThrowIfNull(crashed);
        try
        {
            await refresh(stopping);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            crashed(e);
        }
    }
}
