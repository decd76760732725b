using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Archeio.Configuration;

namespace Archeio.Signing;

/// <summary>
/// An AWS Signature Version 4 presigned URL (query-string authentication), for S3 and every store that speaks its
/// API (MinIO, Ceph, R2, GCS's XML API with HMAC keys: region <c>auto</c>):
/// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html and
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html.
/// <para>
/// Written here rather than through AWSSDK.S3's <c>GetPreSignedURL</c> because measurement shows it pays: the SDK's
/// presigner runs its endpoint rules and request pipeline per URL, 227 µs and 66 KB a URL on this project's
/// machines, where this takes a few microseconds (bench/Archeio.Benchmarks/SigningBenchmarks.cs,
/// docs/performance.md "Signing"). It is checked against AWS's published example (tests/Archeio.Tests/Signing)
/// and, end to end, by a bucket front that verifies with the AWS SDK for JavaScript's signer, never with this code.
/// </para>
/// </summary>
internal sealed class S3Presigner(S3Signing settings, S3Credentials credentials, TimeProvider time) : UrlSigner
{
    private const string Algorithm = "AWS4-HMAC-SHA256";

    // The derived key depends only on the secret and the day (and the fixed region and service): made once a day.
    private SigningKey? _key;

    public override string Sign(string url, HttpMethod method)
    {
        var uri = new Uri(url);
        var now = time.GetUtcNow().UtcDateTime;
        var credential = credentials.Current;
        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var stamp = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = string.Concat(day, "/", settings.Region, "/", settings.Service, "/aws4_request");

        // S3 signs the path URI-encoded once, '/' kept (the other services encode twice).
        var path = new StringBuilder(uri.AbsolutePath.Length + 16);
        Encode(path, Uri.UnescapeDataString(uri.AbsolutePath), keepSlash: true);

        // The canonical query: every parameter but the signature, sorted by name (they are, as written).
        var query = new StringBuilder(256);
        query.Append("X-Amz-Algorithm=").Append(Algorithm).Append("&X-Amz-Credential=");
        Encode(query, string.Concat(credential.AccessKeyId, "/", scope), keepSlash: false);
        query.Append("&X-Amz-Date=").Append(stamp)
            .Append("&X-Amz-Expires=").Append(((long)settings.Expires.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        if (credential.SessionToken is { } token)
        {
            query.Append("&X-Amz-Security-Token=");
            Encode(query, token, keepSlash: false);
        }

        query.Append("&X-Amz-SignedHeaders=host");
        var canonicalQuery = query.ToString();

        // Only host is signed: a client adds its own headers (Range, Accept-Encoding) to a URL it was handed. The
        // payload of a GET or HEAD is not known to the signer: UNSIGNED-PAYLOAD, as S3 documents for presigned URLs.
        var canonical = string.Concat(method.Method, "\n", path.ToString(), "\n", canonicalQuery, "\nhost:", uri.Authority, "\n\nhost\nUNSIGNED-PAYLOAD");
        var toSign = string.Concat(Algorithm, "\n", stamp, "\n", scope, "\n", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(KeyFor(credential, day), Encoding.UTF8.GetBytes(toSign)));
        return string.Concat(uri.Scheme, "://", uri.Authority, path.ToString(), "?", canonicalQuery, "&X-Amz-Signature=", signature);
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").</summary>
    private byte[] KeyFor(S3Credential credential, string day)
    {
        if (_key is { } key && key.Day == day && ReferenceEquals(key.Credential, credential))
        {
            return key.Bytes;
        }

        var bytes = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + credential.SecretAccessKey), Encoding.UTF8.GetBytes(day));
        bytes = HMACSHA256.HashData(bytes, Encoding.UTF8.GetBytes(settings.Region));
        bytes = HMACSHA256.HashData(bytes, Encoding.UTF8.GetBytes(settings.Service));
        bytes = HMACSHA256.HashData(bytes, "aws4_request"u8);
        _key = new SigningKey(day, credential, bytes);
        return bytes;
    }

    /// <summary>SigV4's URI encoding: every byte of the UTF-8 form but A–Z a–z 0–9 - _ . ~ (and '/' where kept) as %XX, upper case.</summary>
    internal static void Encode(StringBuilder into, string value, bool keepSlash)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (char.IsAsciiLetterOrDigit((char)rune.Value) || rune.Value is '-' or '_' or '.' or '~' || (keepSlash && rune.Value == '/')))
            {
                into.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(utf8);
            foreach (var b in utf8[..length])
            {
                into.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>A day's derived key, for the credential it was derived from (a class: no ToString prints it).</summary>
    private sealed class SigningKey(string day, S3Credential credential, byte[] bytes)
    {
        public string Day { get; } = day;

        public S3Credential Credential { get; } = credential;

        public byte[] Bytes { get; } = bytes;
    }
}
