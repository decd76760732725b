using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Archeio.Oci.Digests;

namespace Archeio.Blobs.Cache;

/// <summary>
/// A digest in 32 bytes, for caches and inventories that hold millions of them: a <c>sha256:</c> digest
/// is its own 256 bits (parsed from the hex, no hashing); any other digest is the SHA-256 of its text,
/// so keys stay collision-resistant and the same size whatever the algorithm.
/// </summary>
internal readonly struct DigestKey : IEquatable<DigestKey>
{
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly ulong _c;
    private readonly ulong _d;

    private DigestKey(ReadOnlySpan<byte> bytes)
    {
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>The key of a digest that has already been validated against the OCI digest grammar.</summary>
    public static DigestKey From(ReadOnlySpan<char> digest)
    {
        Span<byte> bytes = stackalloc byte[32];
        if (digest.Length == Digest.Sha256Prefix.Length + Digest.Sha256HexLength
            && digest.StartsWith(Digest.Sha256Prefix, StringComparison.Ordinal)
            && Convert.FromHexString(digest[Digest.Sha256Prefix.Length..], bytes, out _, out var written) == System.Buffers.OperationStatus.Done
            && written == 32)
        {
            return new DigestKey(bytes);
        }

        // Validated digests are ASCII and at most OciGrammar.MaxDigestLength characters. A SHA-256 of the
        // text cannot meet a real sha256 digest's bits except by breaking SHA-256.
        var utf8 = digest.Length <= 512 ? stackalloc byte[digest.Length * 3] : new byte[Encoding.UTF8.GetMaxByteCount(digest.Length)];
        var length = Encoding.UTF8.GetBytes(digest, utf8);
        SHA256.HashData(utf8[..length], bytes);
        return new DigestKey(bytes);
    }

    public bool Equals(DigestKey other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    public override bool Equals(object? obj) => obj is DigestKey other && Equals(other);

    // The bits of a digest are uniformly distributed already.
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{_a:x16}{_b:x16}{_c:x16}{_d:x16}");

    public static bool operator ==(DigestKey left, DigestKey right) => left.Equals(right);

    public static bool operator !=(DigestKey left, DigestKey right) => !left.Equals(right);
}
