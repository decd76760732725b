namespace Archeio.Blobs.Cache;

/// <summary>A (mirror, digest) pair: the unit the blob checks cache, coalesce and count (40 bytes with padding).</summary>
/// <param name="Mirror">The mirror's index in <c>Archeio:Mirrors</c>.</param>
/// <param name="Digest">The blob's digest key.</param>
internal readonly record struct BlobKey(int Mirror, DigestKey Digest);
