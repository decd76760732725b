using System.Globalization;
using System.Text;
using Archeio.Configuration;

namespace Archeio.Signing;

/// <summary>
/// A CloudFront signed URL with a canned policy (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html):
/// the policy <c>{"Statement":[{"Resource":"&lt;url&gt;","Condition":{"DateLessThan":{"AWS:EpochTime":&lt;expires&gt;}}}]}</c>,
/// without white space, is signed with the key pair's private key, and the URL gets <c>Expires</c>,
/// <c>Signature</c> (base64 with <c>-</c> <c>_</c> <c>~</c> for <c>+</c> <c>=</c> <c>/</c>) and <c>Key-Pair-Id</c>.
/// The method is not signed: one URL serves GET and HEAD.
/// <para>
/// Written here because the AWS SDK's CloudFront signer (AWSSDK.CloudFront) is not served to this project's build;
/// the URL is compared byte for byte with the AWS SDK for JavaScript's signer in the tests (RSA PKCS#1 v1.5 is
/// deterministic) and verified with the public half by a front that is not this code.
/// </para>
/// </summary>
internal sealed class CloudFrontSigner(CloudFrontSigning settings, KeyFile<CloudFrontKey> key, TimeProvider time) : UrlSigner
{
    public override string Sign(string url, HttpMethod method)
    {
        var expires = (time.GetUtcNow() + settings.Expires).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var policy = string.Concat("{\"Statement\":[{\"Resource\":\"", url, "\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":", expires, "}}}]}");
        var signature = Convert.ToBase64String(key.Current.Sign(Encoding.UTF8.GetBytes(policy)));
        var safe = string.Create(signature.Length, signature, static (span, text) =>
        {
            for (var i = 0; i < text.Length; i++)
            {
                span[i] = text[i] switch { '+' => '-', '=' => '_', '/' => '~', var c => c };
            }
        });
        return string.Concat(url, "?Expires=", expires, "&Signature=", safe, "&Key-Pair-Id=", settings.KeyPairId);
    }
}
