using System.Numerics;
using System.Runtime.CompilerServices;

namespace Archeio.Ranges.Table;

/// <summary>
/// Longest-prefix match flattened into disjoint intervals: the whole address space is cut at every
/// point where the winning prefix changes, and each piece records the location index of its most
/// specific covering prefix (-1 for a gap). A lookup is then a binary search over a sorted array
/// of interval starts: no allocation, no pointer chasing, and no dependence on how deeply the
/// prefixes nest.
/// </summary>
/// <typeparam name="T"><see cref="uint"/> for IPv4, <see cref="UInt128"/> for IPv6 (address in host order).</typeparam>
internal sealed class IntervalMap<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private readonly IntervalIndex<T> _index;
    private readonly int[] _locations;

    private IntervalMap(T[] starts, int[] locations)
    {
        _index = new IntervalIndex<T>(starts);
        _locations = locations;
    }

    /// <summary>Number of intervals, gaps included (for diagnostics and tests).</summary>
    public int IntervalCount => _index.Count;

    /// <summary>Builds the map from distinct prefixes, sorted by network and then by length (shorter first).</summary>
    /// <param name="prefixes">Canonical networks (host bits clear) with their prefix length and location index; no two equal (network, length) pairs.</param>
    public static IntervalMap<T> Build(ReadOnlySpan<(T Network, int Length, int Location)> prefixes)
    {
        // That order visits every prefix after all prefixes that contain it: CIDR blocks either nest or are
        // disjoint, so a stack of the currently open prefixes is exactly the chain of ancestors of the next one.
        // This is the flattening of a binary trie done without building the trie.
        var starts = new List<T>((prefixes.Length * 2) + 1) { T.Zero };
        var locations = new List<int>((prefixes.Length * 2) + 1) { -1 };
        var open = new Stack<(T Last, int Location)>();

        foreach (var (network, length, location) in prefixes)
        {
            while (open.Count > 0 && open.Peek().Last < network)
            {
                Close(open, starts, locations);
            }

            Emit(starts, locations, network, location);
            open.Push((network | HostMask(length), location));
        }

        while (open.Count > 0)
        {
            Close(open, starts, locations);
        }

        return new IntervalMap<T>([.. starts], [.. locations]);
    }

    /// <summary>The location index of the most specific prefix containing <paramref name="address"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(T address) => _locations[_index.IndexOf(address)];

    /// <summary>The host bits of a prefix of <paramref name="length"/>: all ones below the network part.</summary>
    internal static T HostMask(int length)
    {
        // Shift counts are taken modulo the width, so a full-length prefix (/32, /128: shift by the
        // full width) needs its own case.
        return length >= Unsafe.SizeOf<T>() * 8 ? T.Zero : T.AllBitsSet >>> length;
    }

    private static void Close(Stack<(T Last, int Location)> open, List<T> starts, List<int> locations)
    {
        var (last, _) = open.Pop();
        if (last == T.AllBitsSet)
        {
            return; // Ends at the top of the address space: nothing follows.
        }

        Emit(starts, locations, last + T.One, open.Count > 0 ? open.Peek().Location : -1);
    }

    /// <summary>
    /// Records that <paramref name="location"/> applies from <paramref name="start"/> on. A later
    /// record for the same start supersedes the earlier one (a nested prefix starting where its parent
    /// does, or several prefixes ending together), and a record that does not change the location is
    /// dropped, so adjacent pieces with the same location merge into one interval.
    /// </summary>
    private static void Emit(List<T> starts, List<int> locations, T start, int location)
        => IntervalIndex<T>.Append(starts, locations, start, location);
}
