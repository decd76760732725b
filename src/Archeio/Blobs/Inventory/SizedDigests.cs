using System.Collections;
using Archeio.Blobs.Cache;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// An inventory whose lines give sizes (<c>&lt;digest&gt; &lt;size&gt;</c>, as Geranos writes them): the digests as a set,
/// each with its size in bytes (-1 for a line without one). One dictionary, not a set and a dictionary: 8 bytes an entry
/// more than an inventory of digests alone, which stays a <see cref="HashSet{T}"/>.
/// </summary>
internal sealed class SizedDigests(Dictionary<DigestKey, long> sizes) : IReadOnlySet<DigestKey>
{
    public int Count => sizes.Count;

    /// <summary>Whether the inventory lists the digest, and its size (-1 when its line gave none).</summary>
    public bool TryGetSize(in DigestKey digest, out long size) => sizes.TryGetValue(digest, out size);

    public bool Contains(DigestKey item) => sizes.ContainsKey(item);

    public IEnumerator<DigestKey> GetEnumerator() => sizes.Keys.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // The set comparisons are not on any request's path; they delegate to a set of the keys.
    public bool IsProperSubsetOf(IEnumerable<DigestKey> other) => Keys().IsProperSubsetOf(other);

    public bool IsProperSupersetOf(IEnumerable<DigestKey> other) => Keys().IsProperSupersetOf(other);

    public bool IsSubsetOf(IEnumerable<DigestKey> other) => Keys().IsSubsetOf(other);

    public bool IsSupersetOf(IEnumerable<DigestKey> other) => Keys().IsSupersetOf(other);

    public bool Overlaps(IEnumerable<DigestKey> other) => Keys().Overlaps(other);

    public bool SetEquals(IEnumerable<DigestKey> other) => Keys().SetEquals(other);

    private HashSet<DigestKey> Keys() => [.. sizes.Keys];
}
