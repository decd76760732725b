using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Archeio.Oci.Digests;

/// <summary>
/// Content digests (https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests): the grammar,
/// the two registered algorithms, and hashing. Archeio validates request digests with <see cref="IsWellFormed"/>
/// (every blob request does, so it is a hand-written scanner over a span); Geranos writes and verifies only
/// digests it can recompute, <see cref="IsVerifiable"/>.
/// </summary>
internal static class Digest
{
    /// <summary>The longest digest accepted: algorithm plus a SHA-512 hex encoding, with headroom.</summary>
    public const int MaxLength = 256;

    public const string Sha256Prefix = "sha256:";
    public const string Sha512Prefix = "sha512:";

    /// <summary>Hex digits of a SHA-256 encoding (descriptor.md#sha-256).</summary>
    public const int Sha256HexLength = 64;

    /// <summary>Hex digits of a SHA-512 encoding (descriptor.md#sha-512).</summary>
    public const int Sha512HexLength = 128;

    // [a-z0-9]
    private static readonly SearchValues<char> LowerAlphanumeric = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");

    // [a-f0-9]
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    // [a-zA-Z0-9=_-]
    private static readonly SearchValues<char> EncodedCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-");

    /// <summary>
    /// True for a digest of the grammar <c>algorithm ":" encoded</c>, algorithm <c>[a-z0-9]+([+._-][a-z0-9]+)*</c>,
    /// encoded <c>[a-zA-Z0-9=_-]+</c> (image-spec descriptor.md#digests), at most <see cref="MaxLength"/> characters,
    /// whose registered algorithm, if any, has the right encoding (descriptor.md#registered-algorithms):
    /// <c>sha256:</c> needs 64 lowercase hex digits and <c>sha512:</c> 128. Unregistered algorithms pass on the
    /// grammar alone, so that new ones reach the upstream, which decides.
    /// </summary>
    public static bool IsWellFormed(ReadOnlySpan<char> digest)
    {
        if (digest.Length > MaxLength)
        {
            return false;
        }

        if (digest.StartsWith(Sha256Prefix, StringComparison.Ordinal))
        {
            return IsLowerHex(digest[Sha256Prefix.Length..], Sha256HexLength);
        }

        if (digest.StartsWith(Sha512Prefix, StringComparison.Ordinal))
        {
            return IsLowerHex(digest[Sha512Prefix.Length..], Sha512HexLength);
        }

        // Algorithm: runs of [a-z0-9]+ joined by single [+._-], up to the ':'.
        var i = 0;
        while (true)
        {
            var run = RunLength(digest[i..], LowerAlphanumeric);
            if (run == 0)
            {
                return false;
            }

            i += run;
            if (i == digest.Length)
            {
                return false;
            }

            var c = digest[i++];
            if (c == ':')
            {
                break;
            }

            if (c is not ('+' or '.' or '_' or '-'))
            {
                return false;
            }
        }

        var encoded = digest[i..];
        return !encoded.IsEmpty && !encoded.ContainsAnyExcept(EncodedCharacters);
    }

    /// <summary>
    /// Whether <paramref name="digest"/> is a sha256 or sha512 digest in canonical (lowercase hex) form: one whose
    /// content can be hashed again and compared. Anything else cannot be verified, so a mirror never writes it.
    /// </summary>
    public static bool IsVerifiable([NotNullWhen(true)] string? digest) => TryGetAlgorithm(digest, out _, out _);

    /// <summary>Whether <paramref name="hex"/> is exactly <paramref name="length"/> lowercase hex digits.</summary>
    public static bool IsLowerHex(ReadOnlySpan<char> hex, int length) => hex.Length == length && !hex.ContainsAnyExcept(LowerHex);

    /// <summary>A fresh hash for <paramref name="digest"/>'s algorithm, or an error saying why there is none.</summary>
    public static bool TryCreateHash(string? digest, [NotNullWhen(true)] out IncrementalHash? hash, [NotNullWhen(false)] out string? error)
    {
        if (!TryGetAlgorithm(digest, out var algorithm, out error))
        {
            hash = null;
            return false;
        }

        hash = IncrementalHash.CreateHash(algorithm);
        return true;
    }

    /// <summary>The digest string of a finished hash: <c>sha256:</c> or <c>sha512:</c> and lowercase hex.</summary>
    public static string Format(IncrementalHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var prefix = hash.AlgorithmName == HashAlgorithmName.SHA512 ? Sha512Prefix : Sha256Prefix;
        return prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The digest of <paramref name="bytes"/> with the algorithm of <paramref name="digest"/> (a verifiable digest).</summary>
    public static string Of(string digest, ReadOnlySpan<byte> bytes)
    {
        if (!TryCreateHash(digest, out var hash, out var error))
        {
            throw new ArgumentException(error, nameof(digest));
        }

        using (hash)
        {
            hash.AppendData(bytes);
            return Format(hash);
        }
    }

    /// <summary>The canonical digest of <paramref name="bytes"/>: SHA-256, the algorithm registries compute by default.</summary>
    public static string Sha256(ReadOnlySpan<byte> bytes) => Sha256Prefix + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static bool TryGetAlgorithm(string? digest, out HashAlgorithmName algorithm, [NotNullWhen(false)] out string? error)
    {
        algorithm = default;
        if (string.IsNullOrEmpty(digest))
        {
            error = "empty digest";
            return false;
        }

        var colon = digest.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            error = $"malformed digest {digest}: expected algorithm:hex";
            return false;
        }

        var (name, length) = digest[..colon] switch
        {
            "sha256" => (HashAlgorithmName.SHA256, Sha256HexLength),
            "sha512" => (HashAlgorithmName.SHA512, Sha512HexLength),
            _ => (default(HashAlgorithmName), 0),
        };
        if (length == 0)
        {
            error = $"unsupported digest algorithm {digest[..colon]} (sha256 and sha512 are)";
            return false;
        }

        if (!IsLowerHex(digest.AsSpan(colon + 1), length))
        {
            error = $"malformed digest {digest}: {digest[..colon]} needs {length} lowercase hex digits";
            return false;
        }

        algorithm = name;
        error = null;
        return true;
    }

    /// <summary>How many characters at the start of <paramref name="text"/> are in <paramref name="values"/>.</summary>
    private static int RunLength(ReadOnlySpan<char> text, SearchValues<char> values)
    {
        var end = text.IndexOfAnyExcept(values);
        return end < 0 ? text.Length : end;
    }
}
