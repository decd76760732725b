namespace Geranos.Source;

/// <summary>A manifest as the source registry served it.</summary>
/// <param name="MediaType">The <c>Content-Type</c> (or, failing that, the manifest's own <c>mediaType</c>).</param>
/// <param name="Digest">The <c>Docker-Content-Digest</c> header, or the sha256 of <paramref name="Bytes"/> when the registry sent none.</param>
/// <param name="Bytes">The manifest exactly as served: its digest is over these bytes.</param>
internal sealed record FetchedManifest(string MediaType, string Digest, ReadOnlyMemory<byte> Bytes);
