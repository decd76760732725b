namespace Archeio.TestBed;

/// <summary>
/// A private S3 bucket for tests of signed redirects: <c>tests/TestBed/signing/sigv4-front.mjs</c> on a free
/// 127.0.0.1 port in front of an anonymous backend (an <see cref="S3rverProcess"/>'s <c>BaseUrl</c>). It refuses with
/// 403 and an S3 error document every request that has no AWS Signature V4 or whose signature, recomputed by
/// <c>@smithy/signature-v4</c> (the AWS SDK for JavaScript v3's signer) with the configured key, does not match, and
/// every one that fails S3's checks (access key id, <c>&lt;date&gt;/&lt;region&gt;/s3/aws4_request</c> scope, host signed,
/// expiry, GET or HEAD); it forwards the others to the backend without their <c>X-Amz-*</c> parameters. Paths are
/// the backend's: path-style <c>/&lt;bucket&gt;/&lt;key&gt;</c> for s3rver.
/// <para>
/// Its clock is the system clock plus an offset set with <see cref="SigningFront.SetClockOffsetAsync"/> (a test moves it past a
/// URL's expiry instead of sleeping). <see cref="SigningFront.Verdicts"/> has one entry per request, written when its response
/// finished: wait for them with <see cref="SigningFront.WaitForAsync"/> / <see cref="SigningFront.WaitForNextAsync"/>.
/// </para>
/// </summary>
internal sealed class SigV4BucketFront : SigningFront
{
    public const string Script = "sigv4-front.mjs";

    private static readonly string[] Packages = ["@smithy/signature-v4", "@aws-crypto/sha256-js"];

    private SigV4BucketFront(SigningFrontProcess front, string backendBaseUrl, string accessKeyId, string secretKey, string region)
        : base(front, backendBaseUrl)
    {
        AccessKeyId = accessKeyId;
        SecretKey = secretKey;
        Region = region;
    }

    public string AccessKeyId { get; }

    public string SecretKey { get; }

    public string Region { get; }

    /// <summary>
    /// Starts the front for <paramref name="backendBaseUrl"/> (e.g. <c>http://127.0.0.1:port</c> of s3rver), accepting
    /// signatures by <paramref name="accessKeyId"/>/<paramref name="secretKey"/> scoped to <paramref name="region"/> and
    /// <c>s3</c>; with <paramref name="sessionToken"/>, only requests carrying that <c>X-Amz-Security-Token</c>.
    /// </summary>
    public static async Task<SigV4BucketFront> StartAsync(string backendBaseUrl, string accessKeyId, string secretKey, string region, string? sessionToken = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backendBaseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(accessKeyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        SigningFrontProcess.RequirePackages(Packages);
        List<string> arguments = ["--backend", backendBaseUrl, "--access-key-id", accessKeyId, "--secret-key", secretKey, "--region", region];
        if (sessionToken is not null)
        {
            arguments.AddRange(["--session-token", sessionToken]);
        }

        var front = await SigningFrontProcess.StartAsync(Script, arguments);
        return new SigV4BucketFront(front, backendBaseUrl, accessKeyId, secretKey, region);
    }

    /// <summary>Runs <c>sigv4-front.mjs --self-test</c>: the verifier against AWS's published SigV4 examples (exit 0 when all pass).</summary>
    public static Task<CommandResult> SelfTestAsync()
    {
        SigningFrontProcess.RequirePackages(Packages);
        return SigningFrontProcess.RunScriptAsync(Script, ["--self-test"], TimeSpan.FromSeconds(60));
    }
}
