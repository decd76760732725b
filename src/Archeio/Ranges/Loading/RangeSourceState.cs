using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Sources;

namespace Archeio.Ranges.Loading;

/// <summary>
/// What the refresher knows of one source: the source itself (its last good data and how to tell whether it is
/// current) and the status to publish. Only touched by one refresh at a time (the refresher serialises them).
/// </summary>
internal sealed class RangeSourceState(RangeSourceSettings settings, RefreshedSource<RangeData> source)
{
    public RangeSourceSettings Settings { get; } = settings;

    public RefreshedSource<RangeData> Source { get; } = source;

    /// <summary>The last good prefixes, as listed; null while the source has never loaded.</summary>
    public IReadOnlyList<CloudPrefix>? Prefixes => Source.Value?.Prefixes;

    /// <summary>The data in use came from the cache directory and has not been checked against the URL yet.</summary>
    public bool FromCache { get; set; }

    /// <summary>The status to publish once the table reflects this state.</summary>
    public RangeSourceStatus Status { get; set; } = new(settings.Cloud, settings.Source, 0, false, null, null, 0, null);
}
