using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Archeio.Ranges.Table;

/// <summary>
/// Sorted interval starts covering the whole address space, with an index on the top 16 bits: the lookup
/// structure shared by the cloud range table (<see cref="IntervalMap{T}"/>) and the ASN table
/// (<c>Geo.AsnRangeMap</c>), which keep the value of each interval beside it.
/// </summary>
/// <remarks>
/// <c>starts[0]</c> is zero, so every address falls in some interval; interval i runs from <c>starts[i]</c>
/// up to <c>starts[i + 1] - 1</c> (the last one to the end of the address space). <c>buckets[b]</c> is the
/// interval holding the first address whose top 16 bits are b, so an address in bucket b lies in one of the
/// intervals <c>buckets[b]</c> to <c>buckets[b + 1]</c>, and the binary search only covers that run: one
/// interval for most of the IPv4 space, a few hundred at most in the densest /16s. With the real cloud data
/// and cold caches this halves an IPv4 lookup (~75 ns to ~40 ns on a small VM). 256 KiB per address family.
/// </remarks>
/// <typeparam name="T"><see cref="uint"/> for IPv4, <see cref="UInt128"/> for IPv6 (host order).</typeparam>
internal readonly struct IntervalIndex<T>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    private const int BucketBits = 16;
    private const int BucketCount = 1 << BucketBits;

    private readonly T[] _starts;
    private readonly int[] _buckets;

    public IntervalIndex(T[] starts)
    {
        ArgumentNullException.ThrowIfNull(starts);
        _starts = starts;
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

    /// <summary>Number of intervals, gaps included.</summary>
    public int Count => _starts.Length;

    /// <summary>Bytes held by the starts and the bucket index.</summary>
    public long SizeInBytes => ((long)_starts.Length * Unsafe.SizeOf<T>()) + ((long)_buckets.Length * sizeof(int));

    private static int BucketShift => (Unsafe.SizeOf<T>() * 8) - BucketBits;

    /// <summary>The interval holding <paramref name="address"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int IndexOf(T address)
    {
        // Binary search for the last start <= address within the bucket's run, in the branch-free
        // friendly form of Khuong and Morin, "Array layouts for comparison-based searching": the
        // candidate range [lo, lo + n) always holds the answer and halves each step.
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

        return lo;
    }

    /// <summary>
    /// Appends an interval while building: a start equal to the previous one replaces it (the later value
    /// wins), and a value equal to the previous interval's extends that interval instead.
    /// </summary>
    public static void Append<TValue>(List<T> starts, List<TValue> values, T start, TValue value)
    {
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(values);
        var count = starts.Count;
        if (count > 0 && starts[count - 1] == start)
        {
            starts.RemoveAt(count - 1);
            values.RemoveAt(count - 1);
            count--;
        }

        if (count > 0 && EqualityComparer<TValue>.Default.Equals(values[count - 1], value))
        {
            return;
        }

        starts.Add(start);
        values.Add(value);
    }
}
