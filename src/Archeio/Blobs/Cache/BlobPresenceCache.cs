using System.Numerics;

namespace Archeio.Blobs.Cache;

/// <summary>
/// The local cache of blob-check answers: (mirror, digest) → present or absent, each with its own
/// time to live, bounded to exactly <see cref="Capacity"/> entries with least-recently-used eviction.
/// </summary>
/// <remarks>
/// <para>
/// Every blob request reads it, so it is split into up to 16 shards by the key's hash, each an exact
/// LRU under its own lock (<see cref="BlobPresenceShard"/>): O(1) per operation, no allocation once the
/// arrays have grown, and threads only meet when their keys share a shard. The shards' capacities sum
/// to <see cref="Capacity"/>, so <see cref="Count"/> never exceeds it; the LRU order is per shard, which
/// with hashed keys and at least 1,024 entries per shard evicts almost exactly as one global LRU would
/// (shards fill unevenly: a 1,000,000 cache starts evicting some 0.15% before it is full).
/// </para>
/// <para>
/// Plain LRU rather than segmented LRU or CLOCK: every operation is O(1) in the worst case (CLOCK's hand
/// may sweep a whole shard, under its lock, when every entry has been read since its last pass); a pull
/// touches tens of blobs rather than scanning millions, so segmented LRU's scan resistance buys little;
/// and exact LRU can be checked against a reference model. The price is the relink on a hit: 8 bytes of
/// links per entry, and two more memory misses when reads roam a working set far larger than the CPU
/// caches (then a hit costs about 550 ns against 350 ns for a miss; warm, both about 50 ns).
/// </para>
/// <para>
/// Memory: a 60-byte slot per entry (<see cref="BlobPresenceEntry"/>: 56 before it kept the blob's size) plus 4 to 8
/// bytes of hash bucket. Measured before the size: 60.3 bytes of managed heap per entry on a full cache of 1,000,000
/// (57.5 MiB), flat once the bound is reached (with the size, 4 bytes more: docs/performance.md); the whole process's RSS then stays at about 120 MiB (docs/performance.md,
/// <c>cache-memory</c>). The arrays double up to the bound as entries arrive, so an idle cache is small.
/// </para>
/// <para>
/// Expired entries are dropped when met (by a read, a removal, or as the LRU victim) rather than
/// swept, so <see cref="Count"/> includes expired entries not yet met; they sink to the LRU end anyway.
/// </para>
/// </remarks>
internal sealed class BlobPresenceCache
{
    private const int MaxShards = 16;

    // Below this many entries per shard a shard's LRU strays from a global one; small caches see
    // little traffic, so they take fewer shards rather than worse eviction.
    private const int MinShardCapacity = 1024;

    // Expiries share a long with the answer bit (BlobPresenceEntry.State), so they keep 62 bits.
    private const long MaxExpiry = long.MaxValue >> 1;

    private readonly BlobPresenceShard[] _shards;
    private readonly TimeProvider _time;
    private readonly double _timestampsPerTick;

    public BlobPresenceCache(int capacity, TimeProvider time)
        : this(capacity, time, Math.Clamp(capacity / MinShardCapacity, 1, MaxShards))
    {
    }

    /// <summary>A cache with a chosen number of shards (rounded down to a power of two of at most 16 and at most <paramref name="capacity"/>), for tests.</summary>
    internal BlobPresenceCache(int capacity, TimeProvider time, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        _time = time;
        _timestampsPerTick = (double)time.TimestampFrequency / TimeSpan.TicksPerSecond;
        Capacity = capacity;

        var count = 1 << BitOperations.Log2((uint)Math.Min(Math.Min(shards, MaxShards), capacity));
        _shards = new BlobPresenceShard[count];
        for (var i = 0; i < count; i++)
        {
            // Spreads the remainder over the first shards so the capacities sum to exactly `capacity`.
            _shards[i] = new BlobPresenceShard((capacity / count) + (i < capacity % count ? 1 : 0));
        }
    }

    public int Capacity { get; }

    /// <summary>Entries held, expired ones not yet dropped included; never more than <see cref="Capacity"/>.</summary>
    public int Count => _shards.Sum(static shard => shard.Count);

    /// <summary>Live entries dropped to make room for new ones.</summary>
    public long Evictions => _shards.Sum(static shard => shard.Evictions);

    /// <summary>Entries dropped because their time to live had passed.</summary>
    public long Expirations => _shards.Sum(static shard => shard.Expirations);

    internal int ShardCount => _shards.Length;

    /// <summary>The cached answer, if there is one that has not expired; an expired one is dropped.</summary>
    public bool TryGet(in BlobKey key, out bool present) => TryGet(key, out present, out _);

    /// <summary>The cached answer and the blob's size (-1 when the answer did not give it), if there is one that has not expired.</summary>
    public bool TryGet(in BlobKey key, out bool present, out long size)
    {
        var hash = BlobKeyHash.Of(key.Mirror, key.Digest);
        return _shards[ShardIndex(hash)].TryGet(key, hash, _time.GetTimestamp(), out present, out size);
    }

    /// <summary>
    /// Stores or overwrites the answer, with a new time to live, as the most recently used entry; <paramref name="size"/>
    /// is the blob's size when the answer gave it (a HEAD's <c>Content-Length</c>), else -1.
    /// </summary>
    public void Set(in BlobKey key, bool present, TimeSpan ttl, long size = -1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(key.Mirror, BlobPresenceEntry.MaxMirror, nameof(key));
        var now = _time.GetTimestamp();
        var hash = BlobKeyHash.Of(key.Mirror, key.Digest);
        // Saturates rather than overflows, whatever the TTL and the clock's frequency.
        var lifetime = (long)Math.Min(ttl.Ticks * _timestampsPerTick, MaxExpiry);
        var expiry = now > MaxExpiry - lifetime ? MaxExpiry : now + lifetime;
        _shards[ShardIndex(hash)].Set(key, hash, present, expiry, now, size);
    }

    /// <summary>Drops the key's answer; true if there was one that had not expired.</summary>
    public bool Remove(in BlobKey key)
    {
        var hash = BlobKeyHash.Of(key.Mirror, key.Digest);
        return _shards[ShardIndex(hash)].Remove(key, hash, _time.GetTimestamp());
    }

    /// <summary>The shard that holds the key, for tests that model each shard as its own LRU.</summary>
    internal int ShardOf(in BlobKey key) => ShardIndex(BlobKeyHash.Of(key.Mirror, key.Digest));

    internal int ShardCapacity(int shard) => _shards[shard].Capacity;

    // The hash's top bits choose the shard and its bottom bits the bucket, so the two stay independent.
    private int ShardIndex(uint hash) => (int)(((ulong)hash * (uint)_shards.Length) >> 32);
}
