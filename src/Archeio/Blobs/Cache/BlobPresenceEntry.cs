using System.Runtime.InteropServices;

namespace Archeio.Blobs.Cache;

/// <summary>
/// One slot of a <see cref="BlobPresenceShard"/>: the key, the hash-chain and recency links, the expiry with the
/// answer, and the blob's size when an answer gave it, in 60 bytes and no references, so the slot arrays cost the GC
/// nothing to scan and a million entries are one array per shard rather than a million objects.
/// </summary>
/// <remarks>
/// Packed to 4-byte alignment: the size's 40 bits are a <see cref="uint"/> and the top byte of the mirror's word (a
/// slot needs far fewer than 24 bits), where a <see cref="long"/> would have padded the slot from 56 to 64 bytes; packed
/// this way it is 60 (docs/performance.md, "The blob path with the egress counting"). x64 and Arm64 read a long on a
/// 4-byte boundary at full speed.
/// </remarks>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct BlobPresenceEntry
{
    /// <summary>The largest slot a key may have: the mirror's word keeps its low 24 bits.</summary>
    public const int MaxMirror = (1 << 24) - 1;

    /// <summary>The largest size kept (1 TiB less 2 bytes); a larger blob's size is kept as unknown.</summary>
    public const long MaxSize = (1L << 40) - 2;

    public DigestKey Digest;

    // The mirror's slot in the low 24 bits, bits 32–39 of the stored size in the top 8.
    private uint _mirrorAndSizeHigh;

    /// <summary>Next slot in the same hash bucket, or -1.</summary>
    public int HashNext;

    /// <summary>More recently used neighbour in the recency list, or -1 at the head.</summary>
    public int Prev;

    /// <summary>Less recently used neighbour, or -1 at the tail; for a free slot, the next free slot.</summary>
    public int Next;

    /// <summary>
    /// The expiry timestamp shifted left by one, with the answer (1 = present) in the low bit: a
    /// separate bool would pad the struct.
    /// </summary>
    public long State;

    // Bits 0–31 of the stored size: the size plus one, 0 for unknown.
    private uint _sizeLow;

    public readonly int Mirror => (int)(_mirrorAndSizeHigh & MaxMirror);

    public readonly long Expiry => State >> 1;

    public readonly bool Present => (State & 1) != 0;

    /// <summary>The blob's size in bytes, or -1 when no answer gave it.</summary>
    public readonly long Size => ((((long)(_mirrorAndSizeHigh >> 24)) << 32) | _sizeLow) - 1;

    public static long Pack(long expiry, bool present) => (expiry << 1) | (present ? 1L : 0L);

    /// <summary>Sets the key's mirror (at most <see cref="MaxMirror"/>), keeping the size.</summary>
    public void SetMirror(int mirror) => _mirrorAndSizeHigh = (_mirrorAndSizeHigh & ~(uint)MaxMirror) | (uint)mirror;

    /// <summary>Sets the size: a negative one, or one above <see cref="MaxSize"/>, is kept as unknown.</summary>
    public void SetSize(long size)
    {
        var stored = size is >= 0 and <= MaxSize ? size + 1 : 0;
        _sizeLow = (uint)stored;
        _mirrorAndSizeHigh = (_mirrorAndSizeHigh & MaxMirror) | ((uint)(stored >> 32) << 24);
    }
}
