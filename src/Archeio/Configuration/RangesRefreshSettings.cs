namespace Archeio.Configuration;

/// <summary>How cloud range sources are kept current (<c>Archeio:RangesRefresh</c>).</summary>
/// <param name="FetchTimeout">One fetch of one URL source, start to end.</param>
/// <param name="Interval">Time between refreshes of every source (URLs fetched conditionally, files re-read when changed).</param>
/// <param name="CacheDirectory">Where each successful URL fetch is kept, so that a restart starts from it at once; null: no cache.</param>
/// <param name="RequireAtStart">Report not-ready (<c>/readyz</c>) until every source has data.</param>
internal sealed record RangesRefreshSettings(TimeSpan FetchTimeout, TimeSpan Interval, string? CacheDirectory, bool RequireAtStart)
{
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(6);

    public static RangesRefreshSettings Default { get; } = new(DefaultFetchTimeout, DefaultInterval, null, false);
}
