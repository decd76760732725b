namespace Geranos.Destination;

/// <summary>How to reach an S3-compatible store.</summary>
/// <param name="Endpoint">The store's URL (R2, MinIO, GCS, s3rver); null for AWS S3 itself.</param>
/// <param name="Region">The signing region; null lets the SDK resolve it (AWS_REGION, profile), or <c>us-east-1</c> with an endpoint.</param>
/// <param name="PathStyle">Address buckets as <c>endpoint/bucket/key</c> instead of <c>bucket.endpoint/key</c> (MinIO, s3rver).</param>
/// <param name="AccessKey">An access key id; used only together with <paramref name="SecretKey"/>.</param>
/// <param name="SecretKey">Its secret; without both, the standard AWS credential chain applies.</param>
internal sealed record S3Settings(Uri? Endpoint, string? Region, bool PathStyle, string? AccessKey = null, string? SecretKey = null)
{
    /// <summary>The region assumed for an endpoint that names none; R2 takes <c>auto</c>, the others accept this.</summary>
    public const string DefaultEndpointRegion = "us-east-1";

    /// <summary>The secret stays out of logs and exception messages.</summary>
    public override string ToString()
        => $"S3Settings {{ Endpoint = {Endpoint}, Region = {Region}, PathStyle = {PathStyle}, AccessKey = {AccessKey}, SecretKey = {(SecretKey is null ? "" : "***")} }}";
}
