namespace Archeio.Configuration;

/// <summary>How cloud range sources are kept current (<c>Archeio:RangesRefresh</c>).</summary>
/// <param name="FetchTimeout">One fetch of one URL source, start to end.</param>
/// <param name="Interval">Time between refreshes of every source (URLs fetched conditionally, files re-read when changed).</param>
/// <param name="CacheDirectory">Where each successful URL fetch is kept, so that a restart starts from it at once; null: no cache.</param>
/// <param name="RequireAtStart">Report not-ready (<c>/readyz</c>) until every source has data.</param>
/// <param name="BakedDirectory">
/// Copies of the URL sources written by <c>archeio ranges fetch --out</c> (at image build time), read at start when
/// newer than the cache's (or when there is no cache); never written; null: none.
/// </param>
/// <remarks>
/// A setting of its own rather than a pre-filled <see cref="CacheDirectory"/>: the baked copies live in the image,
/// whose root file system is read-only, while the cache must be writable and is usually a volume (an
/// <c>emptyDir</c>) mounted over its path, which would hide anything baked there. Both hold the same files
/// (<see cref="Ranges.Loading.RangeCache"/>), so a start takes whichever copy of a source was fetched last.
/// </remarks>
internal sealed record RangesRefreshSettings(TimeSpan FetchTimeout, TimeSpan Interval, string? CacheDirectory, bool RequireAtStart, string? BakedDirectory = null)
{
    public static readonly TimeSpan DefaultFetchTimeout = TimeSpan.FromSeconds(10);

    public static readonly TimeSpan DefaultInterval = TimeSpan.FromHours(6);

    public static RangesRefreshSettings Default { get; } = new(DefaultFetchTimeout, DefaultInterval, null, false);

    /// <summary>Reads <c>Archeio:RangesRefresh</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static RangesRefreshSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(FetchTimeout), nameof(Interval), nameof(CacheDirectory), nameof(RequireAtStart), nameof(BakedDirectory));
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
        var bakedDirectory = section.Text(nameof(BakedDirectory));
        if (bakedDirectory is not null && !Directory.Exists(bakedDirectory))
        {
            // It is only read, never created: a missing one means an image built without its ranges stage or a
            // mistyped path, and the start would silently depend on reaching every provider.
            section.Error(nameof(BakedDirectory), File.Exists(bakedDirectory)
                ? $"'{bakedDirectory}' is a file, not a directory"
                : $"directory '{bakedDirectory}' does not exist (it holds what `archeio ranges fetch --out` wrote)");
        }

        return new RangesRefreshSettings(fetchTimeout, interval, cacheDirectory, requireAtStart, bakedDirectory);
    }
}
