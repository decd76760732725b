namespace Archeio.Ranges.Loading;

/// <summary>
/// The sidecar (<c>&lt;name&gt;.meta.json</c>) of a cached range file: which URL it came from, the
/// validators to send back, and the times for <see cref="RangeSourceStatus"/>.
/// </summary>
/// <param name="Source">The URL fetched; a cache file written for another URL is not used.</param>
/// <param name="ETag">The response's <c>ETag</c>, if any.</param>
/// <param name="LastModified">The response's <c>Last-Modified</c>, as sent, if any.</param>
/// <param name="DataTime">Last-Modified, or the fetch time when the server sent none.</param>
/// <param name="FetchedAt">When the body was fetched.</param>
internal sealed record RangeCacheEntry(string Source, string? ETag, string? LastModified, DateTimeOffset DataTime, DateTimeOffset FetchedAt);
