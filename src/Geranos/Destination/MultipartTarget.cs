using Amazon.S3.Model;

namespace Geranos.Destination;

/// <summary>One target's multipart upload of a blob in progress, and the parts it has so far.</summary>
internal sealed class MultipartTarget(S3Mirror mirror, string key, string uploadId)
{
    public S3Mirror Mirror { get; } = mirror;

    public string Key { get; } = key;

    public string UploadId { get; } = uploadId;

    /// <summary>Parts uploaded, in order (parts go up one at a time per target).</summary>
    public List<PartETag> Parts { get; } = [];
}
