namespace Geranos.Destination;

/// <summary>What <see cref="MirrorVerifier"/> checked and found.</summary>
/// <param name="Destination">The mirror's URL.</param>
/// <param name="Objects">Objects under <c>containers/images/</c>, junk included.</param>
/// <param name="Markers">Manifest markers.</param>
/// <param name="BytesHashed">Bytes read back and hashed (deep verification only).</param>
/// <param name="Problems">Everything wrong, sorted by key.</param>
/// <param name="ManifestObjects">Objects under <c>containers/manifests/</c>, junk included.</param>
internal sealed record VerifyReport(string Destination, int Objects, int Markers, long BytesHashed, IReadOnlyList<VerifyProblem> Problems, int ManifestObjects)
{
    public bool Clean => Problems.Count == 0;
}
