namespace Archeio.Blobs.Cache;

/// <summary>
/// One slot of a <see cref="BlobPresenceShard"/>: the key, the hash-chain and recency links, and the
/// expiry with the answer, in 56 bytes and no references, so the slot arrays cost the GC nothing to
/// scan and a million entries are one array per shard rather than a million objects.
/// </summary>
internal struct BlobPresenceEntry
{
    public DigestKey Digest;

    public int Mirror;

    /// <summary>Next slot in the same hash bucket, or -1.</summary>
    public int HashNext;

    /// <summary>More recently used neighbour in the recency list, or -1 at the head.</summary>
    public int Prev;

    /// <summary>Less recently used neighbour, or -1 at the tail; for a free slot, the next free slot.</summary>
    public int Next;

    /// <summary>
    /// The expiry timestamp shifted left by one, with the answer (1 = present) in the low bit: a
    /// separate bool would pad the struct from 56 to 64 bytes.
    /// </summary>
    public long State;

    public readonly long Expiry => State >> 1;

    public readonly bool Present => (State & 1) != 0;

    public static long Pack(long expiry, bool present) => (expiry << 1) | (present ? 1L : 0L);
}
