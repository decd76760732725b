namespace Archeio.TestBed;

/// <summary>
/// A CloudFront distribution serving private content, for tests of signed redirects:
/// <c>tests/TestBed/signing/cloudfront-front.mjs</c> on a free 127.0.0.1 port in front of any anonymous backend base
/// URL (e.g. <c>S3rverProcess.BucketUrl</c>: the distribution's origin). It accepts only canned-policy signed URLs
/// (<c>Expires</c>, <c>Signature</c>, <c>Key-Pair-Id</c>, optional <c>Hash-Algorithm=SHA256</c>) whose signature
/// verifies, with node's <c>crypto.verify</c>, over the policy CloudFront rebuilds from the URL as requested
/// (<c>{"Statement":[{"Resource":"&lt;url&gt;","Condition":{"DateLessThan":{"AWS:EpochTime":&lt;Expires&gt;}}}]}</c>,
/// the resource being <c>http://&lt;Host&gt;</c> or <see cref="ResourceBase"/> + the path and the other query
/// parameters as received) against the configured public key (RSA PKCS#1 v1.5 or EC P-256 DER ECDSA, SHA-1), with
/// the configured key pair id, not expired by its clock. Refusals are 403 with an XML error document; verdicts
/// and the clock as <see cref="SigV4BucketFront"/>.
/// </summary>
internal sealed class CloudFrontFront : SigningFront
{
    public const string Script = "cloudfront-front.mjs";

    private static readonly string[] Packages = ["@aws-sdk/cloudfront-signer"];

    private CloudFrontFront(SigningFrontProcess front, string backendBaseUrl, string keyPairId, string? resourceBase)
        : base(front, backendBaseUrl)
    {
        KeyPairId = keyPairId;
        ResourceBase = resourceBase;
    }

    public string KeyPairId { get; }

    /// <summary>The scheme and authority the policy's resource uses instead of <c>http://&lt;Host&gt;</c>, if given.</summary>
    public string? ResourceBase { get; }

    /// <summary>
    /// Starts the front for <paramref name="backendBaseUrl"/>, trusting the public key in <paramref name="publicKeyPemPath"/>
    /// (SPKI or PKCS#1 PEM, RSA 2048 or EC P-256) under <paramref name="keyPairId"/>. With <paramref name="resourceBase"/>
    /// (e.g. <c>https://d111111abcdef8.cloudfront.net</c>), URLs signed for that domain are accepted when sent here.
    /// </summary>
    public static async Task<CloudFrontFront> StartAsync(string backendBaseUrl, string publicKeyPemPath, string keyPairId, string? resourceBase = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(backendBaseUrl);
        ArgumentException.ThrowIfNullOrWhiteSpace(publicKeyPemPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPairId);
        SigningFrontProcess.RequirePackages(Packages);
        List<string> arguments = ["--backend", backendBaseUrl, "--public-key", Path.GetFullPath(publicKeyPemPath), "--key-pair-id", keyPairId];
        if (resourceBase is not null)
        {
            arguments.AddRange(["--resource-base", resourceBase]);
        }

        var front = await SigningFrontProcess.StartAsync(Script, arguments);
        return new CloudFrontFront(front, backendBaseUrl, keyPairId, resourceBase);
    }

    /// <summary>
    /// Runs <c>cloudfront-front.mjs --self-test</c>: URLs signed by <c>@aws-sdk/cloudfront-signer</c> with throwaway RSA
    /// and EC keys accepted, tampered, expired and foreign ones refused (exit 0 when all pass).
    /// </summary>
    public static Task<CommandResult> SelfTestAsync()
    {
        SigningFrontProcess.RequirePackages(Packages);
        return SigningFrontProcess.RunScriptAsync(Script, ["--self-test"], TimeSpan.FromSeconds(60));
    }
}
