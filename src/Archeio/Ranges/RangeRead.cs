namespace Archeio.Ranges;

/// <summary>
/// The result of fetching a URL source or reading a file source that had changed: its parsed prefixes
/// and what is needed to keep them (the body for the cache, the validators or file stamp for the next
/// refresh, and the time the data stands for).
/// </summary>
/// <param name="Prefixes">The parsed prefixes, as listed.</param>
/// <param name="Body">The raw body of a URL fetch (written to the cache); empty for a file.</param>
/// <param name="Validators">A URL's validators; null for a file.</param>
/// <param name="Stamp">A file's stamp; null for a URL.</param>
/// <param name="DataTime">Last-Modified (or the fetch time when absent) for a URL, the last write time for a file.</param>
/// <param name="Snapshot">Whether the prefixes came from a snapshot, or one was written.</param>
internal sealed record RangeRead(
    IReadOnlyList<CloudPrefix> Prefixes,
    ReadOnlyMemory<byte> Body,
    RangeValidators? Validators,
    RangeFileStamp? Stamp,
    DateTimeOffset DataTime,
    RangeSnapshotUse Snapshot);
