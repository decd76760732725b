using System.Security.Cryptography;
using System.Text;

namespace Archeio.Signing;

/// <summary>
/// The private half of a CloudFront public key (PEM): RSA 2048 signs with RSASSA-PKCS1-v1_5 and SHA-1, ECDSA P-256
/// with SHA-1 and a DER signature, the two kinds CloudFront accepts for signed URLs
/// (https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_PublicKey.html). ECDSA costs a tenth of RSA per
/// signature (docs/performance.md "Signing").
/// </summary>
internal sealed class CloudFrontKey
{
    private readonly RSA? _rsa;
    private readonly ECDsa? _ecdsa;

    private CloudFrontKey(RSA? rsa, ECDsa? ecdsa)
    {
        _rsa = rsa;
        _ecdsa = ecdsa;
    }

    /// <summary>"RSA 2048" or "ECDSA P-256", for logs and explanations.</summary>
    public string Description => _rsa is not null ? "RSA " + _rsa.KeySize : "ECDSA P-256";

    /// <summary>Reads a PEM private key (PKCS#1, PKCS#8 or SEC1); throws <see cref="FormatException"/> saying why it is not usable, without quoting it.</summary>
    public static CloudFrontKey Parse(byte[] pem)
    {
        var text = Encoding.ASCII.GetString(pem);
        if (text.Contains("ENCRYPTED", StringComparison.Ordinal))
        {
            throw new FormatException("the private key is encrypted: CloudFront signing needs it unencrypted (keep the file readable by Archeio alone)");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(text);
            if (rsa.KeySize != 2048)
            {
                throw new FormatException($"an RSA key of {rsa.KeySize} bits: CloudFront accepts RSA 2048 or ECDSA P-256");
            }

            return new CloudFrontKey(rsa, null);
        }
        catch (ArgumentException)
        {
            rsa.Dispose();
        }
        catch (CryptographicException)
        {
            rsa.Dispose();
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(text);
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
            throw new FormatException("no RSA or EC private key in PEM form was found");
        }

        if (ecdsa.KeySize != 256)
        {
            ecdsa.Dispose();
            throw new FormatException($"an EC key of {ecdsa.KeySize} bits: CloudFront accepts RSA 2048 or ECDSA P-256");
        }

        return new CloudFrontKey(null, ecdsa);
    }

    public byte[] Sign(ReadOnlySpan<byte> data)
        => _rsa is not null
            ? _rsa.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1)
            : _ecdsa!.SignData(data, HashAlgorithmName.SHA1, DSASignatureFormat.Rfc3279DerSequence);
}
