namespace Archeio.TestBed;

/// <summary>The media types the test bed's images use.</summary>
internal static class OciMediaTypes
{
    public const string ImageIndex = "application/vnd.oci.image.index.v1+json";
    public const string ImageManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string ImageConfig = "application/vnd.oci.image.config.v1+json";
    public const string Layer = "application/vnd.oci.image.layer.v1.tar";
    public const string GzipLayer = "application/vnd.oci.image.layer.v1.tar+gzip";

    /// <summary>The payload layer of a cosign signature (a JSON document, not a tar).</summary>
    public const string CosignSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json";
}
