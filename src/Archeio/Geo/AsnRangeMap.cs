using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Archeio.Geo;

/// <summary>
/// Inclusive address ranges → AS number, flattened into disjoint intervals that cover the whole address
/// space (a gap is an interval with AS number 0), so that a lookup is one binary search over a sorted
/// array of interval starts. The same layout as <see cref="Ranges.IntervalMap{T}"/>, which serves CIDR
/// prefixes; this one takes arbitrary ranges, as the ip-location-db CSV files list them.
/// </summary>
/// <typeparam name="T"><see cref="uint"/> for IPv4, <see cref="UInt128"/> for IPv6 (address in host order).</typeparam>
internal sealed class AsnRangeMap<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private const int BucketBits = 16;
    private const int BucketCount = 1 << BucketBits;

    // _starts[0] is zero; interval i runs from _starts[i] to _starts[i + 1] - 1 (the last to the end of
    // the address space) and has AS number _asns[i], 0 for none. Two arrays rather than one of pairs:
    // the binary search reads only starts, so more of them fit in each cache line.
    private readonly T[] _starts;
    private readonly uint[] _asns;

    // _buckets[b] is the interval holding the first address whose top 16 bits are b, which narrows the
    // binary search to the intervals of addresses sharing those bits: for IPv4 ASN data (~470k intervals)
    // a few dozen at most instead of all of them. 256 KiB per address family.
    private readonly int[] _buckets;

    private AsnRangeMap(T[] starts, uint[] asns)
    {
        _starts = starts;
        _asns = asns;
        _buckets = new int[BucketCount + 1];
        var interval = 0;
        for (var bucket = 0; bucket < BucketCount; bucket++)
        {
            var first = T.CreateTruncating(bucket) << BucketShift;
            while (interval + 1 < starts.Length && starts[interval + 1] <= first)
            {
                interval++;
            }

            _buckets[bucket] = interval;
        }

        _buckets[BucketCount] = starts.Length - 1;
    }

    private static int BucketShift => (Unsafe.SizeOf<T>() * 8) - BucketBits;

    /// <summary>Number of intervals, gaps included.</summary>
    public int IntervalCount => _starts.Length;

    /// <summary>Bytes held by the arrays (starts, AS numbers, buckets), for the memory figure in the log and docs.</summary>
    public long SizeInBytes => ((long)_starts.Length * Unsafe.SizeOf<T>()) + ((long)_asns.Length * sizeof(uint)) + ((long)_buckets.Length * sizeof(int));

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
    public uint Find(T address)
    {
        // Binary search for the last start <= address within the bucket's run, in the branch-free
        // friendly form of Khuong and Morin, "Array layouts for comparison-based searching".
        var bucket = int.CreateTruncating(address >>> BucketShift);
        ref var first = ref MemoryMarshal.GetArrayDataReference(_starts);
        ref var buckets = ref MemoryMarshal.GetArrayDataReference(_buckets);
        var lo = Unsafe.Add(ref buckets, bucket);
        var n = Unsafe.Add(ref buckets, bucket + 1) - lo + 1;
        while (n > 1)
        {
            var half = n >>> 1;
            lo += Unsafe.Add(ref first, lo + half) <= address ? half : 0;
            n -= half;
        }

        return _asns[lo];
    }

    /// <summary>Ends the range on top of the stack: what lies under it and reaches further takes over after it.</summary>
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
    {
        var count = starts.Count;
        if (count > 0 && starts[count - 1] == start)
        {
            starts.RemoveAt(count - 1);
            asns.RemoveAt(count - 1);
            count--;
        }

        if (count > 0 && asns[count - 1] == asn)
        {
            return;
        }

        starts.Add(start);
        asns.Add(asn);
    }
}
