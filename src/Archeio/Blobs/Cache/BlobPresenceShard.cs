using System.Numerics;

namespace Archeio.Blobs.Cache;

/// <summary>
/// One lock's worth of <see cref="BlobPresenceCache"/>: an exact LRU of at most <see cref="Capacity"/>
/// entries. The hash index and the recency list are threaded through one struct array by slot index
/// (the same layout as <see cref="Dictionary{TKey, TValue}"/>'s internals, with the LRU links added),
/// so the key is stored once and nothing is allocated per operation; the arrays double from a small
/// start up to the capacity, so a cache configured large but used little stays small.
/// </summary>
internal sealed class BlobPresenceShard
{
    private const int None = -1;
    private const int InitialSlots = 16;

    private readonly Lock _lock = new();
    private readonly int _capacity;

    private BlobPresenceEntry[] _entries;

    // The first slot of each bucket's chain, plus one: zero marks an empty bucket, so a new array
    // needs no fill. Always a power of two at least as long as _entries, so chains average under one.
    private int[] _buckets;

    // Slots ever handed out: those below are live or on the free list, those above never used.
    private int _used;
    private int _free = None;
    private int _head = None;
    private int _tail = None;
    private int _count;
    private long _evictions;
    private long _expirations;

    public BlobPresenceShard(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        var slots = Math.Min(capacity, InitialSlots);
        _entries = new BlobPresenceEntry[slots];
        _buckets = new int[BitOperations.RoundUpToPowerOf2((uint)slots)];
    }

    public int Capacity => _capacity;

    // Read without the lock: each is a single aligned word written only under it, so a reader sees
    // some recent value, and a count never above the capacity since no write ever puts it there.
    public int Count => Volatile.Read(ref _count);

    public long Evictions => Volatile.Read(ref _evictions);

    public long Expirations => Volatile.Read(ref _expirations);

    /// <summary>The live answer and its size (-1: unknown), as the most recently used entry; an expired one is dropped.</summary>
    public bool TryGet(in BlobKey key, uint hash, long now, out bool present, out long size)
    {
        lock (_lock)
        {
            var slot = Find(key, hash);
            if (slot == None)
            {
                present = false;
                size = -1;
                return false;
            }

            ref var entry = ref _entries[slot];
            if (now >= entry.Expiry)
            {
                Delete(slot, hash);
                _expirations++;
                present = false;
                size = -1;
                return false;
            }

            present = entry.Present;
            size = entry.Size;
            MoveToFront(slot);
            return true;
        }
    }

    public void Set(in BlobKey key, uint hash, bool present, long expiry, long now, long size = -1)
    {
        lock (_lock)
        {
            var slot = Find(key, hash);
            if (slot != None)
            {
                ref var found = ref _entries[slot];
                found.State = BlobPresenceEntry.Pack(expiry, present);
                found.SetSize(size);
                MoveToFront(slot);
                return;
            }

            // Taking a slot may grow the arrays and rebuild the buckets, so the bucket is found after.
            slot = TakeSlot(now);
            ref var entry = ref _entries[slot];
            entry.Digest = key.Digest;
            entry.SetMirror(key.Mirror);
            entry.SetSize(size);
            entry.State = BlobPresenceEntry.Pack(expiry, present);
            ref var bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
            entry.HashNext = bucket - 1;
            bucket = slot + 1;
            PushFront(slot);
            _count++;
        }
    }

    /// <summary>Removes the key; true if it held a live answer (an expired one counts as an expiry).</summary>
    public bool Remove(in BlobKey key, uint hash, long now)
    {
        lock (_lock)
        {
            var slot = Find(key, hash);
            if (slot == None)
            {
                return false;
            }

            var live = now < _entries[slot].Expiry;
            Delete(slot, hash);
            if (!live)
            {
                _expirations++;
            }

            return live;
        }
    }

    private int Find(in BlobKey key, uint hash)
    {
        var entries = _entries;
        var slot = _buckets[hash & (uint)(_buckets.Length - 1)] - 1;
        while (slot != None)
        {
            ref var entry = ref entries[slot];
            if (entry.Mirror == key.Mirror && entry.Digest == key.Digest)
            {
                return slot;
            }

            slot = entry.HashNext;
        }

        return None;
    }

    /// <summary>A slot for a new entry: a freed one, an unused one, a new one, or else the least recently used.</summary>
    private int TakeSlot(long now)
    {
        if (_free != None)
        {
            var slot = _free;
            _free = _entries[slot].Next;
            return slot;
        }

        if (_used == _entries.Length && _entries.Length < _capacity)
        {
            Grow();
        }

        if (_used < _entries.Length)
        {
            return _used++;
        }

        // Full: every slot is live (none free, none unused) and _count == _capacity. A victim already
        // past its expiry is counted as an expiry, so Evictions only counts answers lost to the bound.
        var victim = _tail;
        ref var entry = ref _entries[victim];
        if (now >= entry.Expiry)
        {
            _expirations++;
        }
        else
        {
            _evictions++;
        }

        Unlink(victim, BlobKeyHash.Of(entry.Mirror, entry.Digest));
        return victim;
    }

    private void Grow()
    {
        var length = (int)Math.Min(_entries.Length * 2L, _capacity);
        Array.Resize(ref _entries, length);
        var buckets = (int)BitOperations.RoundUpToPowerOf2((uint)length);
        if (buckets == _buckets.Length)
        {
            return;
        }

        // Hashes are not stored (4 more bytes would pad each entry to 64), so they are recomputed here,
        // once per doubling: amortised, a few nanoseconds per insert.
        _buckets = new int[buckets];
        var mask = (uint)(buckets - 1);
        for (var slot = _head; slot != None; slot = _entries[slot].Next)
        {
            ref var entry = ref _entries[slot];
            ref var bucket = ref _buckets[BlobKeyHash.Of(entry.Mirror, entry.Digest) & mask];
            entry.HashNext = bucket - 1;
            bucket = slot + 1;
        }
    }

    /// <summary>Unlinks the slot and puts it on the free list.</summary>
    private void Delete(int slot, uint hash)
    {
        Unlink(slot, hash);
        _entries[slot].Next = _free;
        _free = slot;
    }

    /// <summary>Takes the slot out of its hash chain and the recency list.</summary>
    private void Unlink(int slot, uint hash)
    {
        ref var bucket = ref _buckets[hash & (uint)(_buckets.Length - 1)];
        var next = _entries[slot].HashNext;
        if (bucket - 1 == slot)
        {
            bucket = next + 1;
        }
        else
        {
            var previous = bucket - 1;
            while (_entries[previous].HashNext != slot)
            {
                previous = _entries[previous].HashNext;
            }

            _entries[previous].HashNext = next;
        }

        Detach(slot);
        _count--;
    }

    private void MoveToFront(int slot)
    {
        if (slot != _head)
        {
            Detach(slot);
            PushFront(slot);
        }
    }

    private void Detach(int slot)
    {
        ref var entry = ref _entries[slot];
        if (entry.Prev == None)
        {
            _head = entry.Next;
        }
        else
        {
            _entries[entry.Prev].Next = entry.Next;
        }

        if (entry.Next == None)
        {
            _tail = entry.Prev;
        }
        else
        {
            _entries[entry.Next].Prev = entry.Prev;
        }
    }

    private void PushFront(int slot)
    {
        ref var entry = ref _entries[slot];
        entry.Prev = None;
        entry.Next = _head;
        if (_head == None)
        {
            _tail = slot;
        }
        else
        {
            _entries[_head].Prev = slot;
        }

        _head = slot;
    }
}
