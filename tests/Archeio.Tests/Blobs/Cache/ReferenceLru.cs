using Archeio.Blobs.Cache;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.Cache;

/// <summary>
/// The obvious LRU with expiry, as a list in recency order (most recent first) searched linearly: the
/// model <see cref="BlobPresenceCache"/> must agree with, operation by operation.
/// </summary>
internal sealed class ReferenceLru(int capacity, FakeTimeProvider time)
{
    private readonly List<(BlobKey Key, bool Present, DateTimeOffset Expiry)> _entries = [];

    public int Count => _entries.Count;

    public long Evictions { get; private set; }

    public long Expirations { get; private set; }

    public bool TryGet(BlobKey key, out bool present)
    {
        present = false;
        var index = _entries.FindIndex(e => e.Key == key);
        if (index < 0)
        {
            return false;
        }

        var entry = _entries[index];
        _entries.RemoveAt(index);
        if (time.GetUtcNow() >= entry.Expiry)
        {
            Expirations++;
            return false;
        }

        _entries.Insert(0, entry);
        present = entry.Present;
        return true;
    }

    public void Set(BlobKey key, bool present, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        var index = _entries.FindIndex(e => e.Key == key);
        if (index >= 0)
        {
            _entries.RemoveAt(index);
        }
        else if (_entries.Count == capacity)
        {
            if (now >= _entries[^1].Expiry)
            {
                Expirations++;
            }
            else
            {
                Evictions++;
            }

            _entries.RemoveAt(_entries.Count - 1);
        }

        _entries.Insert(0, (key, present, now + ttl));
    }

    public bool Remove(BlobKey key)
    {
        var index = _entries.FindIndex(e => e.Key == key);
        if (index < 0)
        {
            return false;
        }

        var expired = time.GetUtcNow() >= _entries[index].Expiry;
        _entries.RemoveAt(index);
        if (expired)
        {
            Expirations++;
        }

        return !expired;
    }
}
