using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Archeio.TestBed;
using Archeio.Tests.EndToEnd.Signing;
using Azure.Storage.Sas;

namespace Archeio.Tests.TestBed;

/// <summary>
/// The signing test bed's own checks, before any test trusts it: each store refuses what is unsigned, expired or
/// signed with another key, and takes what an independent, well-kept signer made (AWSSDK.S3's presigner, AWS's
/// <c>@aws-sdk/cloudfront-signer</c>, Azure.Storage.Blobs' <c>BlobSasBuilder</c>) — never the code under test. The
/// fronts' verifiers first reproduce AWS's published examples.
/// </summary>
[Collection(SignedMirrorBedDefinition.Name)]
public sealed class SigningStoresTests(SignedMirrorBed bed) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task The_SigV4_front_s_verifier_reproduces_AWS_s_published_SigV4_examples()
    {
        var result = await SigV4BucketFront.SelfTestAsync();

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains("presigned GET example at its time", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("self-test: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(" passed, 0 failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_CloudFront_front_s_verifier_takes_AWS_s_signer_s_URLs_and_refuses_tampered_ones()
    {
        var result = await CloudFrontFront.SelfTestAsync();

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Contains(" passed, 0 failed", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_SigV4_front_takes_AWSSDK_s_presigned_URL_and_refuses_unsigned_expired_and_foreign_ones()
    {
        var key = SignedMirrorBed.Prefix + bed.BlobDigest;
        var presigned = Presign(bed.SecretKey, key, TimeSpan.FromHours(1));
        var foreign = Presign("another-secret", key, TimeSpan.FromHours(1));
        var front = bed.S3Front;

        using (var ok = await _http.GetAsync(presigned))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(bed.Blob, await ok.Content.ReadAsByteArrayAsync());
        }

        await AssertRefusedAsync(front, bed.UnsignedUrl("s3", bed.BlobDigest), "unsigned", "AccessDenied");
        await AssertRefusedAsync(front, foreign, "signature", "SignatureDoesNotMatch");
        await front.SetClockOffsetAsync(TimeSpan.FromHours(1) + TimeSpan.FromSeconds(1));
        try
        {
            await AssertRefusedAsync(front, presigned, "expired", "AccessDenied");
        }
        finally
        {
            await front.SetClockOffsetAsync(TimeSpan.Zero);
        }
    }

    [Fact]
    public async Task The_CloudFront_front_takes_AWS_s_signer_s_URL_and_refuses_unsigned_and_untrusted_ones()
    {
        var url = bed.UnsignedUrl("cloudfront", bed.BlobDigest);
        var until = DateTimeOffset.UtcNow.AddHours(1);
        var signed = await CloudFrontReferenceSigner.SignAsync(url, SignedMirrorBed.KeyPairId, bed.CloudFrontKeyFile, until);
        var untrusted = await CloudFrontReferenceSigner.SignAsync(url, SignedMirrorBed.KeyPairId, bed.UntrustedKeyFile, until);

        using (var ok = await _http.GetAsync(new Uri(signed)))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(bed.Blob, await ok.Content.ReadAsByteArrayAsync());
        }

        await AssertRefusedAsync(bed.CloudFront, url, "unsigned", null);
        await AssertRefusedAsync(bed.CloudFront, untrusted, "signature", null);
    }

    [Fact]
    public async Task Azurite_refuses_anonymous_and_expired_reads_of_a_private_container_and_takes_a_read_SAS()
    {
        var url = bed.UnsignedUrl("azure", bed.BlobDigest);

        using (var anonymous = await _http.GetAsync(new Uri(url)))
        {
            Assert.True(anonymous.StatusCode is HttpStatusCode.Forbidden or HttpStatusCode.NotFound, $"anonymous read answered {(int)anonymous.StatusCode}");
        }

        using (var ok = await _http.GetAsync(Sas(url, DateTimeOffset.UtcNow.AddHours(1))))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal(bed.Blob, await ok.Content.ReadAsByteArrayAsync());
        }

        using var expired = await _http.GetAsync(Sas(url, DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
    }

    private Uri Sas(string url, DateTimeOffset expiresOn)
    {
        var builder = new BlobSasBuilder(BlobSasPermissions.Read, expiresOn)
        {
            BlobContainerName = SignedMirrorBed.Container,
            BlobName = SignedMirrorBed.Prefix + bed.BlobDigest,
            Resource = "b",
        };
        return new Uri(url + "?" + builder.ToSasQueryParameters(bed.Azurite.Credential));
    }

    private async Task AssertRefusedAsync(SigningFront front, string url, string check, string? code)
    {
        var mark = front.Mark();
        using var response = await _http.GetAsync(new Uri(url));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        if (code is not null)
        {
            Assert.Contains($"<Code>{code}</Code>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var path = new Uri(url).AbsolutePath;
        var verdict = await front.WaitForVerdictAsync(mark, v => v.Method == "GET" && v.Path == path && !v.Accepted && v.Check == check);
        Assert.Equal(403, verdict.Status);
    }

    /// <summary>AWSSDK.S3's own presigner, path-style against the front, for the bed's region.</summary>
    private string Presign(string secret, string key, TimeSpan validFor)
    {
        var config = new AmazonS3Config
        {
            ServiceURL = bed.S3Front.BaseUrl,
            ForcePathStyle = true,
            AuthenticationRegion = SignedMirrorBed.Region,
            UseHttp = true,
        };
        using var client = new AmazonS3Client(new BasicAWSCredentials(SignedMirrorBed.AccessKeyId, secret), config);
        return client.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = SignedMirrorBed.Bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Expires = DateTime.UtcNow + validFor,
            Protocol = Protocol.HTTP,
        });
    }
}
