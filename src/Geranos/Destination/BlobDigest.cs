using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Geranos.Destination;

/// <summary>
/// The digests Geranos can check: <c>sha256:</c> with 64 and <c>sha512:</c> with 128 lowercase hex digits, the two
/// registered algorithms of https://github.com/opencontainers/image-spec/blob/main/descriptor.md#registered-algorithms.
/// Anything else cannot be verified, so it is never written and never counted as a blob of the mirror.
/// </summary>
internal static class BlobDigest
{
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    /// <summary>Whether <paramref name="digest"/> is a sha256 or sha512 digest in canonical (lowercase hex) form.</summary>
    public static bool IsValid([NotNullWhen(true)] string? digest) => TryGetAlgorithm(digest, out _, out _);

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

    /// <summary>The digest string of a finished hash: <c>sha256:</c> and lowercase hex.</summary>
    public static string Format(IncrementalHash hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        var prefix = hash.AlgorithmName == HashAlgorithmName.SHA512 ? "sha512:" : "sha256:";
        return prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The digest of <paramref name="bytes"/> with the algorithm of <paramref name="digest"/> (a valid digest).</summary>
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
            "sha256" => (HashAlgorithmName.SHA256, 64),
            "sha512" => (HashAlgorithmName.SHA512, 128),
            _ => (default(HashAlgorithmName), 0),
        };
        if (length == 0)
        {
            error = $"unsupported digest algorithm {digest[..colon]} (sha256 and sha512 are)";
            return false;
        }

        var hex = digest.AsSpan(colon + 1);
        if (hex.Length != length || hex.ContainsAnyExcept(LowerHex))
        {
            error = $"malformed digest {digest}: {digest[..colon]} needs {length} lowercase hex digits";
            return false;
        }

        algorithm = name;
        error = null;
        return true;
    }
}
