namespace Archeio.Oci.MediaTypes;

/// <summary>
/// The manifest media types a registry client asks for and understands.
/// OCI: https://github.com/opencontainers/image-spec/blob/main/media-types.md;
/// Docker: https://distribution.github.io/distribution/spec/manifest-v2-2/ and .../manifest-v2-1/.
/// </summary>
internal static class ManifestMediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
    public const string DockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /// <summary>Every type above: a registry picks the manifest's own type from this list instead of converting it.</summary>
    public static IReadOnlyList<string> All { get; } = [OciManifest, OciIndex, DockerManifest, DockerManifestList, DockerSchema1Signed, DockerSchema1];

    public static bool IsIndex(string mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsSchema1(string mediaType) => mediaType is DockerSchema1 or DockerSchema1Signed;
}
