using System.Buffers.Binary;
using System.Net;

namespace Archeio.Routing;

/// <summary>
/// A client's place in a rule's split, 0–9,999 (hundredths of a percent): a fixed hash of its address, so a
/// client keeps its choice across requests, replicas and restarts (no per-process random seed), spread
/// evenly so that a share of n percent gets about n percent of clients.
/// </summary>
internal static class SplitBucket
{
    public const int Buckets = 10_000;

    public static int Of(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        var high = written == 16 ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : 0;
        var low = written == 16 ? BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]) : BinaryPrimitives.ReadUInt32BigEndian(bytes);
        // MurmurHash3's 64-bit finaliser over both halves: every input bit affects every output bit,
        // so neighbouring addresses (one subnet) do not land in neighbouring buckets.
        var hash = Mix(low ^ Mix(high ^ 0x9E3779B97F4A7C15UL));
        return (int)(hash % Buckets);
    }

    private static ulong Mix(ulong k)
    {
        k ^= k >> 33;
        k *= 0xFF51AFD7ED558CCDUL;
        k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53UL;
        k ^= k >> 33;
        return k;
    }
}
