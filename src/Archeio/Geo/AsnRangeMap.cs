using System.Numerics;
using System.Runtime.CompilerServices;
using Archeio.Ranges.Table;

namespace Archeio.Geo;

/// <summary>
/// Inclusive address ranges → AS number, flattened into disjoint intervals that cover the whole address
/// space (a gap is an interval with AS number 0), so that a lookup is one binary search over a sorted
/// array of interval starts. The same layout as <see cref="IntervalMap{T}"/>, which serves CIDR
/// prefixes; this one takes arbitrary ranges, as the ip-location-db CSV files list them.
/// </summary>
/// <typeparam name="T"><see cref="uint"/> for IPv4, <see cref="UInt128"/> for IPv6 (address in host order).</typeparam>
internal sealed class AsnRangeMap<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    // The shared interval index over the starts; _asns[i] is interval i's AS number, 0 for none.
    private readonly IntervalIndex<T> _index;
    private readonly uint[] _asns;

    private AsnRangeMap(T[] starts, uint[] asns)
    {
        _index = new IntervalIndex<T>(starts);
        _asns = asns;
    }

    /// <summary>Number of intervals, gaps included.</summary>
    public int IntervalCount => _index.Count;

    /// <summary>Bytes held by the arrays (starts, AS numbers, buckets), for the memory figure in the log and docs.</summary>
    public long SizeInBytes => _index.SizeInBytes + ((long)_asns.Length * sizeof(uint));

    /// <summary>
    /// Builds the map. <paramref name="ranges"/> is sorted in place. Where ranges overlap, the one that
    /// starts later wins, and the earlier one resumes after it if it reaches further: a range nested in
    /// another is the more specific one, so it should win, and a partial overlap (which the file format
    /// does not foresee; the real IPv4 file has one, 214.95.0.0–215.0.255.255 AS749 and
    /// 215.0.0.0–215.1.3.255 AS721) is resolved the same way whatever the order of the lines.
    /// </summary>
    /// <param name="ranges">Inclusive ranges (<c>Start</c> ≤ <c>End</c>) with a non-zero AS number.</param>
    public static AsnRangeMap<T> Build(List<(T Start, T End, uint Asn)> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);

        // Start ascending, then end descending: of two ranges starting together the narrower comes
        // second and so ends up on top of the stack, winning where they overlap.
        ranges.Sort(static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.End.CompareTo(a.End));

        var starts = new List<T>(ranges.Count + (ranges.Count / 4) + 1) { T.Zero };
        var asns = new List<uint>(starts.Capacity) { 0 };
        var open = new Stack<(T End, uint Asn)>();

        foreach (var (start, end, asn) in ranges)
        {
            while (open.Count > 0 && open.Peek().End < start)
            {
                Close(open, starts, asns);
            }

            Emit(starts, asns, start, asn);
            open.Push((end, asn));
        }

        while (open.Count > 0)
        {
            Close(open, starts, asns);
        }

        return new AsnRangeMap<T>([.. starts], [.. asns]);
    }

    /// <summary>The AS number of the range holding <paramref name="address"/>, or 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint Find(T address) => _asns[_index.IndexOf(address)];

    private static void Close(Stack<(T End, uint Asn)> open, List<T> starts, List<uint> asns)
    {
        var (end, _) = open.Pop();

        // Ranges below that end no later than this one are hidden to their very end: drop them now, or
        // they would be resumed past their own end. (Nested ranges never need this; partial overlaps do.)
        while (open.Count > 0 && open.Peek().End <= end)
        {
            _ = open.Pop();
        }

        if (end == T.AllBitsSet)
        {
            return; // Reaches the top of the address space: nothing follows.
        }

        Emit(starts, asns, end + T.One, open.Count > 0 ? open.Peek().Asn : 0);
    }

    /// <summary>
    /// Records that <paramref name="asn"/> applies from <paramref name="start"/> on. A later record for
    /// the same start supersedes the earlier one, and one that does not change the AS number is dropped,
    /// so adjacent ranges of the same AS merge into one interval.
    /// </summary>
    private static void Emit(List<T> starts, List<uint> asns, T start, uint asn)
        => IntervalIndex<T>.Append(starts, asns, start, asn);
}
