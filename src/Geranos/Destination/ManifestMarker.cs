namespace Geranos.Destination;

/// <summary>
/// The record that a manifest is fully mirrored, written at <see cref="DestinationUrl.MarkerKey"/> only after every
/// blob in <see cref="Blobs"/> was copied and verified. A marker is how the next sync knows the manifest needs no work,
/// and how <see cref="MirrorVerifier"/> knows what must be present.
/// </summary>
/// <param name="Digest">The manifest's digest.</param>
/// <param name="MediaType">Its media type.</param>
/// <param name="Repository">The source repository it was mirrored from (for people reading the bucket).</param>
/// <param name="Blobs">Every blob the manifest needs; for an index, all blobs of all its children.</param>
internal sealed record ManifestMarker(string Digest, string MediaType, string Repository, IReadOnlyList<MarkedBlob> Blobs);
