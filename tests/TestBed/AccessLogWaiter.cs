namespace Archeio.TestBed;

/// <summary>
/// Waits, by bounded polling, until a peer's access log shows what a test expects. Peers write their
/// log line after the response has gone out, so a test must wait for its own entries before asserting
/// on them (and before taking the next <see cref="AccessLog.Mark"/>).
/// </summary>
internal static class AccessLogWaiter
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Returns the entries since <paramref name="mark"/> once <paramref name="done"/> holds for them;
    /// throws <see cref="TimeoutException"/> listing what was seen if it does not within <paramref name="timeout"/>.
    /// <paramref name="refresh"/>, when given, is called before each look (e.g. to read new log lines).
    /// </summary>
    public static async Task<IReadOnlyList<AccessLogEntry>> WaitForAsync(
        AccessLog log,
        int mark,
        Func<IReadOnlyList<AccessLogEntry>, bool> done,
        TimeSpan timeout,
        Action? refresh = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(done);
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            refresh?.Invoke();
            var entries = log.Since(mark);
            if (done(entries))
            {
                return entries;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException(
                    $"The {log.Backend} access log did not show the expected requests within {timeout.TotalSeconds:F1} s. "
                    + $"Entries since mark {mark}:\n{Describe(entries)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> entries follow <paramref name="mark"/>.</summary>
    public static Task<IReadOnlyList<AccessLogEntry>> WaitForCountAsync(AccessLog log, int mark, int count, TimeSpan timeout, Action? refresh = null)
        => WaitForAsync(log, mark, entries => entries.Count >= count, timeout, refresh);

    public static string Describe(IEnumerable<AccessLogEntry> entries)
    {
        var lines = entries.Select(e => $"  {e.Backend} {e.Method} {e.Path} {e.Status}").ToList();
        return lines.Count == 0 ? "  (none)" : string.Join('\n', lines);
    }
}
