namespace Geranos.Destination;

/// <summary>The outcome of one blob copy.</summary>
/// <param name="Verified">The content matched its digest (and size) and is now stored on every target.</param>
/// <param name="Bytes">Bytes read from the source.</param>
/// <param name="Problem">Why nothing was stored, when <paramref name="Verified"/> is false.</param>
internal sealed record BlobCopyResult(bool Verified, long Bytes, string? Problem);
