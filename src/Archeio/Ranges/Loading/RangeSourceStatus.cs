namespace Archeio.Ranges.Loading;

/// <summary>Where one range source stands, for metrics and readiness.</summary>
/// <param name="Cloud">The cloud it defines.</param>
/// <param name="Source">Its file path or URL.</param>
/// <param name="Prefixes">Prefixes in the data in use; 0 when it has none.</param>
/// <param name="HasData">The table holds data from this source (fetched, from the cache directory, or read from its file).</param>
/// <param name="DataTime">When the data in use was published or fetched (Last-Modified, the file's time, or the fetch time), null without data.</param>
/// <param name="LastSuccess">The last fetch or read that succeeded (a 304 counts), null if none yet.</param>
/// <param name="Failures">Fetches or reads that failed or parsed badly since start.</param>
/// <param name="LastError">Why the last attempt failed, null if it succeeded.</param>
internal sealed record RangeSourceStatus(
    string Cloud,
    string Source,
    int Prefixes,
    bool HasData,
    DateTimeOffset? DataTime,
    DateTimeOffset? LastSuccess,
    long Failures,
    string? LastError);
