namespace Archeio.Configuration;

/// <summary>How mirrors are asked whether they hold a blob.</summary>
/// <param name="Timeout">Limit for one HEAD request to a mirror.</param>
/// <param name="MaxEntries">Most (mirror, digest) results kept in the cache.</param>
internal sealed record BlobCheckSettings(TimeSpan Timeout, int MaxEntries);
