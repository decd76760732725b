using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Archeio.Blobs.Cache;

/// <summary>
/// A keyed 32-bit hash of a (mirror, digest) pair for <see cref="BlobPresenceCache"/>'s shard and
/// bucket choice.
/// </summary>
/// <remarks>
/// Digests come from clients' URLs, so an attacker could pick many whose leading 64 bits (all that
/// <see cref="DigestKey.GetHashCode"/> looks at) collide and turn one bucket into a long list. This is
/// multilinear hashing over the key's nine 32-bit words with ten random 64-bit multipliers drawn once
/// per process, keeping the top 32 bits of the sum: a strongly universal family (Lemire and Kaser,
/// "Strongly universal string hashing is fast", 2014), so without the multipliers no input predicts a
/// collision. It is about three times cheaper than <see cref="HashCode.AddBytes"/> on the same 36 bytes, and it
/// is on every cache operation.
/// </remarks>
internal static class BlobKeyHash
{
    private static readonly ulong M0 = NextMultiplier();
    private static readonly ulong M1 = NextMultiplier();
    private static readonly ulong M2 = NextMultiplier();
    private static readonly ulong M3 = NextMultiplier();
    private static readonly ulong M4 = NextMultiplier();
    private static readonly ulong M5 = NextMultiplier();
    private static readonly ulong M6 = NextMultiplier();
    private static readonly ulong M7 = NextMultiplier();
    private static readonly ulong M8 = NextMultiplier();
    private static readonly ulong M9 = NextMultiplier();

    public static uint Of(int mirror, in DigestKey digest)
    {
        // DigestKey is four ulongs and nothing else; read them without widening its API.
        var words = MemoryMarshal.Cast<DigestKey, ulong>(MemoryMarshal.CreateReadOnlySpan(in digest, 1));
        var d = words[3];
        var c = words[2];
        var b = words[1];
        var a = words[0];
        var sum = M0
            + (M1 * (uint)mirror)
            + (M2 * (uint)a) + (M3 * (a >> 32))
            + (M4 * (uint)b) + (M5 * (b >> 32))
            + (M6 * (uint)c) + (M7 * (c >> 32))
            + (M8 * (uint)d) + (M9 * (d >> 32));
        // The multilinear sum is universal, but keys that differ in one word only (sequential digests) make
        // it an arithmetic progression whose top bits can cluster for some multipliers: MurmurHash3's
        // 64-bit finaliser, a bijection, spreads them again.
        sum ^= sum >> 33;
        sum *= 0xFF51AFD7ED558CCDUL;
        sum ^= sum >> 33;
        sum *= 0xC4CEB9FE1A85EC53UL;
        sum ^= sum >> 33;
        return (uint)(sum >> 32);
    }

    private static ulong NextMultiplier()
    {
        Span<byte> bytes = stackalloc byte[sizeof(ulong)];
        RandomNumberGenerator.Fill(bytes);
        return MemoryMarshal.Read<ulong>(bytes);
    }
}
