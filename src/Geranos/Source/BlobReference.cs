namespace Geranos.Source;

/// <summary>A blob a manifest refers to.</summary>
/// <param name="Digest">The blob's digest.</param>
/// <param name="Size">Its size from the descriptor; null where the manifest gives none (Docker schema 1).</param>
/// <param name="MediaType">Its media type from the descriptor; null for schema 1.</param>
internal sealed record BlobReference(string Digest, long? Size, string? MediaType);
