using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Geranos.Destination;

/// <summary>
/// Builds the S3 client for a destination. The SDK's newer defaults (flexible checksums,
/// https://docs.aws.amazon.com/sdkref/latest/guide/feature-dataintegrity.html) send <c>aws-chunked</c> bodies with
/// trailing CRC checksums that S3-compatible stores (s3rver, R2, MinIO, GCS) handle badly or not at all; s3rver even
/// stores the chunk framing as the object's content. So checksums are computed only where an operation requires them,
/// and every upload in this folder also sets <c>UseChunkEncoding = false</c>. Integrity does not rest on them:
/// Geranos verifies each blob's digest itself before an object becomes visible.
/// </summary>
internal static class S3ClientFactory
{
    public static IAmazonS3 Create(S3Settings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var config = new AmazonS3Config
        {
            ForcePathStyle = settings.PathStyle,
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (settings.Endpoint is { } endpoint)
        {
            var region = settings.Region ?? S3Settings.DefaultEndpointRegion;
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
        else if (settings.Region is { } region)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }

        return settings is { AccessKey: { Length: > 0 } accessKey, SecretKey: { Length: > 0 } secretKey }
            ? new AmazonS3Client(new BasicAWSCredentials(accessKey, secretKey), config)
            : new AmazonS3Client(config);
    }
}
