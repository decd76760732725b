using System.Security.Cryptography;
using System.Text;
using Archeio.Configuration;
using Archeio.Signing;
using Archeio.TestBed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Signing;

/// <summary>CloudFront canned-policy URLs: their parameters, and a signature the key's public half verifies, for both key kinds.</summary>
public sealed class CloudFrontSignerTests : IDisposable
{
    private readonly TempDirectory _keys = new("keys");

    public void Dispose() => _keys.Dispose();

    [Fact]
    public void An_RSA_signed_URL_carries_expiry_safe_base64_signature_and_key_pair_id_over_the_canned_policy()
    {
        using var rsa = RSA.Create(2048);
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        var url = Signer(rsa.ExportPkcs8PrivateKeyPem(), time).Sign("https://cdn.example/containers/images/sha256:ab", HttpMethod.Get);

        var (expires, signature) = Parameters(url, "https://cdn.example/containers/images/sha256:ab");
        Assert.Equal(1_800_000_600, expires);
        Assert.True(rsa.VerifyData(Policy("https://cdn.example/containers/images/sha256:ab", expires), signature, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
        Assert.False(rsa.VerifyData(Policy("https://cdn.example/containers/images/sha256:ac", expires), signature, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1));
    }

    /// <summary>
    /// RSA PKCS#1 v1.5 is deterministic, so AWS's own signer (<c>@aws-sdk/cloudfront-signer</c>, run by node) must make
    /// the very same signature for the same URL, expiry and key. (It re-encodes path segments before signing, so the
    /// URL here has none it would change; it orders the parameters Expires, Key-Pair-Id, Signature.)
    /// </summary>
    [Fact]
    public async Task An_RSA_signed_URL_is_byte_for_byte_AWS_s_own_signer_s()
    {
        using var rsa = RSA.Create(2048);
        var pem = rsa.ExportPkcs8PrivateKeyPem();
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
        const string resource = "https://cdn.example/containers/images/sha256-ab12";
        var ours = Signer(pem, time).Sign(resource, HttpMethod.Get);
        var keyPath = Path.Combine(_keys.Path, "reference.pem");
        await File.WriteAllTextAsync(keyPath, pem);

        var theirs = await CloudFrontReferenceSigner.SignAsync(resource, "K2JCJMDEHXQW5F", keyPath, DateTimeOffset.FromUnixTimeSeconds(1_800_000_600));

        static Dictionary<string, string> Query(string url) => new Uri(url).Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
        Assert.StartsWith(resource + "?", theirs, StringComparison.Ordinal);
        Assert.Equal(Query(theirs), Query(ours));
        Assert.Equal(3, Query(ours).Count);
    }

    [Fact]
    public void An_ECDSA_P256_signed_URL_verifies_with_a_DER_signature_over_SHA1()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var url = Signer(ec.ExportECPrivateKeyPem(), new FakeTimeProvider()).Sign("https://cdn.example/d", HttpMethod.Head);

        var (expires, signature) = Parameters(url, "https://cdn.example/d");
        Assert.True(ec.VerifyData(Policy("https://cdn.example/d", expires), signature, HashAlgorithmName.SHA1, DSASignatureFormat.Rfc3279DerSequence));
    }

    [Theory]
    [InlineData("encrypted", "encrypted")]
    [InlineData("rsa1024", "1024 bits")]
    [InlineData("p384", "384 bits")]
    [InlineData("garbage", "no RSA or EC private key")]
    public void Unusable_keys_are_refused_saying_why_without_quoting_them(string kind, string why)
    {
        var pem = kind switch
        {
            "encrypted" => RSA.Create(2048).ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 1000)),
            "rsa1024" => RSA.Create(1024).ExportPkcs8PrivateKeyPem(),
            "p384" => ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportECPrivateKeyPem(),
            _ => "-----BEGIN NOTHING-----\nc2VjcmV0\n-----END NOTHING-----\n",
        };

        var ex = Assert.Throws<FormatException>(() => CloudFrontKey.Parse(Encoding.ASCII.GetBytes(pem)));

        Assert.Contains(why, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
    }

    private CloudFrontSigner Signer(string pem, TimeProvider time)
    {
        var path = Path.Combine(_keys.Path, Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(path, pem);
        var settings = new CloudFrontSigning(SigningSettings.DefaultExpires, "K2JCJMDEHXQW5F", path);
        return new CloudFrontSigner(settings, new KeyFile<CloudFrontKey>(path, CloudFrontKey.Parse, time, NullLogger.Instance), time);
    }

    private static (long Expires, byte[] Signature) Parameters(string url, string resource)
    {
        Assert.StartsWith(resource + "?Expires=", url, StringComparison.Ordinal);
        var query = url[(resource.Length + 1)..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        Assert.Equal(["Expires", "Signature", "Key-Pair-Id"], query.Keys);
        Assert.Equal("K2JCJMDEHXQW5F", query["Key-Pair-Id"]);
        Assert.DoesNotContain('+', query["Signature"]);
        Assert.DoesNotContain('/', query["Signature"]);
        Assert.DoesNotContain('=', query["Signature"]);
        var base64 = query["Signature"].Replace('-', '+').Replace('_', '=').Replace('~', '/');
        return (long.Parse(query["Expires"], System.Globalization.CultureInfo.InvariantCulture), Convert.FromBase64String(base64));
    }

    private static byte[] Policy(string resource, long expires)
        => Encoding.UTF8.GetBytes("{\"Statement\":[{\"Resource\":\"" + resource + "\",\"Condition\":{\"DateLessThan\":{\"AWS:EpochTime\":" + expires + "}}}]}");
}
