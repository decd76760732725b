using Archeio.Configuration;

namespace Archeio.Ranges;

/// <summary>
/// What the refresher knows of one source: the prefixes in use and how to tell whether they are current.
/// Only touched by one refresh at a time (the refresher serialises them).
/// </summary>
internal sealed class RangeSourceState(RangeSourceSettings settings)
{
    public RangeSourceSettings Settings { get; } = settings;

    /// <summary>The last good prefixes, as listed; null while the source has never loaded.</summary>
    public IReadOnlyList<CloudPrefix>? Prefixes { get; set; }

    /// <summary>A URL's validators for the data in use.</summary>
    public RangeValidators? Validators { get; set; }

    /// <summary>A file's stamp for the data in use.</summary>
    public RangeFileStamp? Stamp { get; set; }

    /// <summary>The data in use came from the cache directory and has not been checked against the URL yet.</summary>
    public bool FromCache { get; set; }

    /// <summary>The status to publish once the table reflects this state.</summary>
    public RangeSourceStatus Status { get; set; } = new(settings.Cloud, settings.Source, 0, false, null, null, 0, null);
}
