namespace Geranos.Destination;

/// <summary>A blob a mirrored manifest needs.</summary>
/// <param name="Digest">The blob's digest; its object is <see cref="DestinationUrl.BlobKey"/>.</param>
/// <param name="Size">The size its descriptor gives; null where the manifest gives none (Docker schema 1).</param>
internal sealed record MarkedBlob(string Digest, long? Size);
