using Archeio.Blobs.Cache;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// The loaded inventory of each mirror, by <c>MirrorSettings.Index</c>. Read on every blob request and
/// replaced every few minutes: reads take no lock, they see one array of sets that a writer replaces
/// whole (copy, change one slot, publish), so a reader never sees a set being built.
/// </summary>
internal sealed class MirrorInventories
{
    private readonly Lock _writeLock = new();
    private volatile IReadOnlySet<DigestKey>?[] _sets = [];

    /// <summary>True when the mirror's inventory lists the digest; false also when it has none loaded.</summary>
    public bool Contains(int mirrorIndex, in DigestKey digest)
    {
        var sets = _sets;
        return (uint)mirrorIndex < (uint)sets.Length && sets[mirrorIndex] is { } set && set.Contains(digest);
    }

    /// <summary>
    /// True when the mirror's inventory lists the digest, with its <paramref name="size"/> when its line gave one (an
    /// inventory of <c>&lt;digest&gt; &lt;size&gt;</c> lines, <see cref="SizedDigests"/>), else -1.
    /// </summary>
    public bool Contains(int mirrorIndex, in DigestKey digest, out long size)
    {
        var sets = _sets;
        if ((uint)mirrorIndex < (uint)sets.Length && sets[mirrorIndex] is { } set)
        {
            if (set is SizedDigests sized)
            {
                return sized.TryGetSize(digest, out size);
            }

            size = -1;
            return set.Contains(digest);
        }

        size = -1;
        return false;
    }

    /// <summary>Whether an inventory has been loaded for the mirror.</summary>
    public bool Has(int mirrorIndex)
    {
        var sets = _sets;
        return (uint)mirrorIndex < (uint)sets.Length && sets[mirrorIndex] is not null;
    }

    /// <summary>Distinct digests in the mirror's inventory; 0 when it has none.</summary>
    public int CountOf(int mirrorIndex)
    {
        var sets = _sets;
        return (uint)mirrorIndex < (uint)sets.Length && sets[mirrorIndex] is { } set ? set.Count : 0;
    }

    /// <summary>Makes <paramref name="digests"/> the mirror's inventory; the set must not change afterwards.</summary>
    public void Replace(int mirrorIndex, IReadOnlySet<DigestKey> digests)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(mirrorIndex);
        ArgumentNullException.ThrowIfNull(digests);
        lock (_writeLock)
        {
            var current = _sets;
            var next = new IReadOnlySet<DigestKey>?[Math.Max(current.Length, mirrorIndex + 1)];
            current.CopyTo(next, 0);
            next[mirrorIndex] = digests;
            _sets = next;
        }
    }
}
