namespace Archeio.TestBed;

/// <summary>One platform's image inside a <see cref="BuiltImage"/>.</summary>
/// <param name="Platform"><c>os/architecture</c>, e.g. <c>linux/amd64</c>.</param>
/// <param name="ManifestDigest">The image manifest's digest.</param>
/// <param name="ManifestSize">The image manifest's size in bytes.</param>
/// <param name="ConfigDigest">The image config blob's digest.</param>
/// <param name="LayerDigests">The layer blobs' digests, in manifest order.</param>
/// <param name="DiffIds">The uncompressed layers' digests (the config's <c>rootfs.diff_ids</c>).</param>
internal sealed record PlatformImage(
    string Platform,
    string ManifestDigest,
    long ManifestSize,
    string ConfigDigest,
    IReadOnlyList<string> LayerDigests,
    IReadOnlyList<string> DiffIds);
