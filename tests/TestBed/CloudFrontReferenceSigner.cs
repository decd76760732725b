using System.Globalization;

namespace Archeio.TestBed;

/// <summary>
/// AWS's own CloudFront signer, <c>@aws-sdk/cloudfront-signer</c>'s <c>getSignedUrl</c>, run by
/// <c>tests/TestBed/signing/cloudfront-sign.mjs</c>: the canned-policy signed URL it makes, for comparing another
/// signer's URL with it byte for byte (RSA PKCS#1 v1.5 is deterministic; ECDSA is not, so compare EC URLs by
/// verifying them instead). Note that the library re-encodes the URL's path segments with <c>encodeURIComponent</c>
/// before signing (<c>sha256:…</c> becomes <c>sha256%3A…</c>) and appends <c>Expires</c>, <c>Key-Pair-Id</c>,
/// <c>Signature</c> in that order.
/// </summary>
internal static class CloudFrontReferenceSigner
{
    public const string Script = "cloudfront-sign.mjs";

    /// <summary>
    /// The signed URL for <paramref name="url"/>, valid before <paramref name="dateLessThan"/> (whole seconds),
    /// signed with the PEM private key at <paramref name="privateKeyPemPath"/> (PKCS#1 or PKCS#8, RSA or EC);
    /// <paramref name="hashAlgorithm"/> <c>SHA256</c> for <c>Hash-Algorithm=SHA256</c> URLs, null for SHA-1.
    /// </summary>
    public static async Task<string> SignAsync(string url, string keyPairId, string privateKeyPemPath, DateTimeOffset dateLessThan, string? hashAlgorithm = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        SigningFrontProcess.RequirePackages("@aws-sdk/cloudfront-signer");
        List<string> arguments =
        [
            "--url", url, "--key-pair-id", keyPairId, "--private-key", Path.GetFullPath(privateKeyPemPath),
            "--date-less-than", dateLessThan.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        ];
        if (hashAlgorithm is not null)
        {
            arguments.AddRange(["--hash-algorithm", hashAlgorithm]);
        }

        var result = (await SigningFrontProcess.RunScriptAsync(Script, arguments, TimeSpan.FromSeconds(30))).EnsureSuccess();
        return result.StandardOutput.TrimEnd('\n');
    }
}
