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

    /// <summary>Reads <c>Archeio:RangesRefresh</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static RangesRefreshSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(FetchTimeout), nameof(Interval), nameof(CacheDirectory), nameof(RequireAtStart));
        var fetchTimeout = section.TimeSpan(nameof(FetchTimeout), Default.FetchTimeout, TimeSpan.FromMinutes(5));
        var interval = section.TimeSpan(nameof(Interval), Default.Interval, TimeSpan.FromDays(7));
        if (interval < TimeSpan.FromMinutes(1))
        {
            // Providers publish a few times a day; polling faster only costs them and us.
            section.Error(nameof(Interval), $"'{section[nameof(Interval)]}' is shorter than one minute");
        }

        var cacheDirectory = section.Text(nameof(CacheDirectory));
        if (cacheDirectory is not null && File.Exists(cacheDirectory))
        {
            section.Error(nameof(CacheDirectory), $"'{cacheDirectory}' is a file, not a directory");
        }

        var requireAtStart = section.Bool(nameof(RequireAtStart), Default.RequireAtStart);
        return new RangesRefreshSettings(fetchTimeout, interval, cacheDirectory, requireAtStart);
    }
}
