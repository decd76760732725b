namespace Archeio.Blobs;

/// <summary>
/// What identifies the version of an inventory that was last loaded: a file's last write time and
/// length, or a URL's <c>ETag</c> and <c>Last-Modified</c> (sent back as conditions, so an unchanged
/// inventory costs a 304 and not a download).
/// </summary>
internal sealed record InventoryVersion(DateTime? WriteTimeUtc, long? Length, string? ETag, string? LastModified);
