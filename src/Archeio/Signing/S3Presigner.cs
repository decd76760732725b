using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Archeio.Configuration;
using Microsoft.Extensions.ObjectPool;

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

    // Everything that depends only on the second and the credential (the date stamp, the scope, the canonical query,
    // the day's derived key), made once per second and swapped whole: under load a second's thousands of URLs each
    // pay only for their path and two hashes (bench/http.sh SIGNED=1: per-URL strings and builders halved the
    // server's throughput through garbage collection).
    private Second? _second;

    public override string Sign(string url, HttpMethod method)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(method);
        var state = SecondOf(time.GetUtcNow().UtcDateTime);

        // scheme://authority/path: a mirror's URL is validated absolute, without a query (Configuration/SigningSettings.cs).
        // The host header a client sends is the URL's authority as System.Uri normalizes it (host lower case, a default
        // port left out): such a URL is split by System.Uri, any other by hand (no per-URL Uri object).
        var authorityStart = url.IndexOf("://", StringComparison.Ordinal) + 3;
        var pathStart = authorityStart < 3 ? -1 : url.IndexOf('/', authorityStart);
        ReadOnlySpan<char> origin;
        ReadOnlySpan<char> authority;
        ReadOnlySpan<char> rawPath;
        if (pathStart < 0 || NeedsNormalizing(url.AsSpan(0, authorityStart - 3), url.AsSpan(authorityStart, pathStart - authorityStart)))
        {
            var uri = new Uri(url);
            origin = string.Concat(uri.Scheme, "://", uri.Authority);
            authority = uri.Authority;
            rawPath = uri.AbsolutePath;
        }
        else
        {
            origin = url.AsSpan(0, pathStart);
            authority = url.AsSpan(authorityStart, pathStart - authorityStart);
            rawPath = url.AsSpan(pathStart);
        }

        // S3 signs the path URI-encoded once, '/' kept (the other services encode twice): decoded first, so that a
        // template's own %XX is not encoded again.
        var path = rawPath.Contains('%') ? Uri.UnescapeDataString(rawPath) : rawPath;
        // At most 9 chars per char: a UTF-16 char is up to 3 UTF-8 bytes, each %XX.
        Span<char> pathBuffer = path.Length <= 128 ? stackalloc char[path.Length * 9] : new char[path.Length * 9];
        var encodedPath = pathBuffer[..Encode(path, pathBuffer, keepSlash: true)];

        // Only host is signed: a client adds its own headers (Range, Accept-Encoding) to a URL it was handed. The
        // payload of a GET or HEAD is not known to the signer: UNSIGNED-PAYLOAD, as S3 documents for presigned URLs.
        // The canonical request is ASCII (the method, encoded path and query, an IDNA host), hashed from bytes in place.
        var canonicalLength = method.Method.Length + 1 + encodedPath.Length + 1 + state.CanonicalQuery.Length + 6 + authority.Length + CanonicalTail.Length;
        Span<byte> canonical = canonicalLength <= 2048 ? stackalloc byte[canonicalLength] : new byte[canonicalLength];
        var at = Ascii(canonical, 0, method.Method);
        canonical[at++] = (byte)'\n';
        at = Ascii(canonical, at, encodedPath);
        canonical[at++] = (byte)'\n';
        at = Ascii(canonical, at, state.CanonicalQuery);
        at = Ascii(canonical, at, "\nhost:");
        at = Ascii(canonical, at, authority);
        at = Ascii(canonical, at, CanonicalTail);

        Span<byte> hash = stackalloc byte[32];
        Span<byte> toSign = stackalloc byte[state.StringToSignPrefix.Length + 64];
        Span<byte> signature = stackalloc byte[32];
        // Returned only when both hashes were reset: one an exception left half-fed is dropped, never reused.
        var hashers = state.Hashers.Get();
        hashers.Sha256.AppendData(canonical[..at]);
        hashers.Sha256.GetHashAndReset(hash);
        state.StringToSignPrefix.CopyTo(toSign);
        Hex(hash, toSign[state.StringToSignPrefix.Length..]);
        hashers.Hmac.AppendData(toSign);
        hashers.Hmac.GetHashAndReset(signature);
        state.Hashers.Return(hashers);

        // origin + encoded path + "?" + canonical query + "&X-Amz-Signature=" + 64 hex digits.
        var length = origin.Length + encodedPath.Length + 1 + state.CanonicalQuery.Length + SignatureParameter.Length + 64;
        Span<char> into = length <= 2048 ? stackalloc char[length] : new char[length];
        origin.CopyTo(into);
        var written = origin.Length;
        encodedPath.CopyTo(into[written..]);
        written += encodedPath.Length;
        into[written++] = '?';
        state.CanonicalQuery.CopyTo(into[written..]);
        written += state.CanonicalQuery.Length;
        SignatureParameter.CopyTo(into[written..]);
        written += SignatureParameter.Length;
        Span<byte> hex = stackalloc byte[64];
        Hex(signature, hex);
        for (var i = 0; i < 64; i++)
        {
            into[written + i] = (char)hex[i];
        }

        var result = new string(into);
        return result;
    }

    private static readonly System.Buffers.SearchValues<char> UpperCaseOrSpecial = System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZ@[%");

    /// <summary>Whether System.Uri would write the authority otherwise: upper case, a user, an IPv6 literal, a default port.</summary>
    private static bool NeedsNormalizing(ReadOnlySpan<char> scheme, ReadOnlySpan<char> authority)
        => authority.IsEmpty || authority.ContainsAny(UpperCaseOrSpecial)
            || (scheme.Equals("https", StringComparison.OrdinalIgnoreCase) && authority.EndsWith(":443", StringComparison.Ordinal))
            || (scheme.Equals("http", StringComparison.OrdinalIgnoreCase) && authority.EndsWith(":80", StringComparison.Ordinal))
            || scheme.ContainsAny(UpperCaseOrSpecial);

    private const string CanonicalTail = "\n\nhost\nUNSIGNED-PAYLOAD";

    private const string SignatureParameter = "&X-Amz-Signature=";

    /// <summary>This second's state, made when the second or the credential changed.</summary>
    private Second SecondOf(DateTime now)
    {
        var tick = now.Ticks / TimeSpan.TicksPerSecond;
        var credential = credentials.Current;
        if (_second is { } current && current.Tick == tick && ReferenceEquals(current.Credential, credential))
        {
            return current;
        }

        var day = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var stamp = now.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        var scope = string.Concat(day, "/", settings.Region, "/", settings.Service, "/aws4_request");

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
        var hashers = _second is { } previous && previous.Day == day && ReferenceEquals(previous.Credential, credential)
            ? previous.Hashers
            : new DefaultObjectPool<Hashers>(new HashersPolicy(KeyFor(credential, day)), Environment.ProcessorCount * 4);
        var next = new Second(tick, credential, day, query.ToString(), Encoding.ASCII.GetBytes(string.Concat(Algorithm, "\n", stamp, "\n", scope, "\n")), hashers);
        _second = next;
        return next;
    }

    /// <summary>kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request").</summary>
    private byte[] KeyFor(S3Credential credential, string day)
    {
        var bytes = HMACSHA256.HashData(Encoding.UTF8.GetBytes("AWS4" + credential.SecretAccessKey), Encoding.UTF8.GetBytes(day));
        bytes = HMACSHA256.HashData(bytes, Encoding.UTF8.GetBytes(settings.Region));
        bytes = HMACSHA256.HashData(bytes, Encoding.UTF8.GetBytes(settings.Service));
        return HMACSHA256.HashData(bytes, "aws4_request"u8);
    }

    private static int Ascii(Span<byte> into, int at, ReadOnlySpan<char> text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            into[at + i] = (byte)text[i];
        }

        return at + text.Length;
    }

    private static void Hex(ReadOnlySpan<byte> bytes, Span<byte> into)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            into[2 * i] = (byte)"0123456789abcdef"[bytes[i] >> 4];
            into[(2 * i) + 1] = (byte)"0123456789abcdef"[bytes[i] & 0xF];
        }
    }

    private static bool Unreserved(int c, bool keepSlash)
        => c < 0x80 && (char.IsAsciiLetterOrDigit((char)c) || c is '-' or '_' or '.' or '~' || (keepSlash && c == '/'));

    /// <summary>SigV4's URI encoding of <paramref name="value"/> into <paramref name="into"/> (3 chars per UTF-8 byte at most); the length written.</summary>
    private static int Encode(ReadOnlySpan<char> value, Span<char> into, bool keepSlash)
    {
        var written = 0;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (Unreserved(rune.Value, keepSlash))
            {
                into[written++] = (char)rune.Value;
                continue;
            }

            foreach (var b in utf8[..rune.EncodeToUtf8(utf8)])
            {
                into[written++] = '%';
                into[written++] = "0123456789ABCDEF"[b >> 4];
                into[written++] = "0123456789ABCDEF"[b & 0xF];
            }
        }

        return written;
    }

    /// <summary>SigV4's URI encoding: every byte of the UTF-8 form but A–Z a–z 0–9 - _ . ~ (and '/' where kept) as %XX, upper case.</summary>
    internal static void Encode(StringBuilder into, string value, bool keepSlash)
    {
        Span<char> buffer = value.Length <= 128 ? stackalloc char[value.Length * 9] : new char[value.Length * 9];
        into.Append(buffer[..Encode(value, buffer, keepSlash)]);
    }

    /// <summary>
    /// One second's share of every URL signed in it (a class: no ToString prints a key): the credential it was made
    /// for, the canonical query, the string to sign up to the canonical request's hash, and the hashers of the day's
    /// derived key.
    /// </summary>
    private sealed class Second(long tick, S3Credential credential, string day, string canonicalQuery, byte[] stringToSignPrefix, ObjectPool<Hashers> hashers)
    {
        public long Tick { get; } = tick;

        public S3Credential Credential { get; } = credential;

        public string Day { get; } = day;

        public string CanonicalQuery { get; } = canonicalQuery;

        public byte[] StringToSignPrefix { get; } = stringToSignPrefix;

        public ObjectPool<Hashers> Hashers { get; } = hashers;
    }

    /// <summary>
    /// A SHA-256 and an HMAC-SHA256 keyed with the day's derived key, reset after each use: OpenSSL's one-shot HMAC sets
    /// its key up on every call, 3.1 µs against 1.4 µs for a kept context on these machines (measured with
    /// BenchmarkDotNet), which made it most of a URL's cost. Pooled because a context serves one thread at a time; a
    /// day's pool is left to the garbage collector (their native handles are SafeHandles) when the key changes.
    /// </summary>
    private sealed class Hashers(byte[] key)
    {
        public IncrementalHash Sha256 { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public IncrementalHash Hmac { get; } = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, key);
    }

    private sealed class HashersPolicy(byte[] key) : IPooledObjectPolicy<Hashers>
    {
        public Hashers Create() => new(key);

        public bool Return(Hashers obj) => true;
    }
}
