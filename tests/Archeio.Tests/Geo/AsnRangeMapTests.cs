using Archeio.Geo;

namespace Archeio.Tests.Geo;

/// <summary>The range flattening against a brute-force oracle, on random overlapping ranges.</summary>
public sealed class AsnRangeMapTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Agrees_with_the_brute_force_oracle_on_random_overlapping_ranges(int seed)
    {
        var random = new Random(seed);
        var ranges = new List<(uint Start, uint End, uint Asn)>();
        var seen = new HashSet<(uint, uint)>();
        while (ranges.Count < 300)
        {
            var start = (uint)random.Next(0, 5000);
            var end = start + (uint)(random.Next(4) == 0 ? random.Next(0, 1500) : random.Next(0, 40));
            if (seen.Add((start, end)))
            {
                ranges.Add((start, end, (uint)random.Next(1, 6)));
            }
        }

        // The oracle: of the ranges holding the address, the one starting last; of those starting
        // together, the narrowest. (No two ranges share both bounds, so the answer is unique.)
        var oracle = ranges.ToArray();
        var map = AsnRangeMap<uint>.Build([.. ranges]);

        for (var address = 0u; address <= 6600; address++)
        {
            var expected = oracle.Where(r => r.Start <= address && address <= r.End)
                .OrderByDescending(r => r.Start).ThenBy(r => r.End)
                .Select(r => r.Asn).FirstOrDefault();
            Assert.True(expected == map.Find(address), $"seed {seed}, address {address}: expected {expected}, found {map.Find(address)}");
        }

        Assert.Equal(0u, map.Find(uint.MaxValue));
    }

    [Fact]
    public void Covers_the_ends_of_the_IPv6_space()
    {
        var map = AsnRangeMap<UInt128>.Build(
        [
            (UInt128.Zero, UInt128.One, 1),
            (UInt128.MaxValue - 1, UInt128.MaxValue, 2),
            (UInt128.Zero, UInt128.MaxValue >> 1, 3), // the lower half, under the first
        ]);

        Assert.Equal(1u, map.Find(UInt128.Zero));
        Assert.Equal(1u, map.Find(UInt128.One));
        Assert.Equal(3u, map.Find(2));
        Assert.Equal(3u, map.Find(UInt128.MaxValue >> 1));
        Assert.Equal(0u, map.Find((UInt128.MaxValue >> 1) + 1));
        Assert.Equal(2u, map.Find(UInt128.MaxValue - 1));
        Assert.Equal(2u, map.Find(UInt128.MaxValue));
    }

    [Fact]
    public void Adjacent_ranges_of_one_AS_merge_into_one_interval()
    {
        var map = AsnRangeMap<uint>.Build([(0, 9, 7), (10, 19, 7), (20, 29, 8)]);

        // [0, 19] AS7, [20, 29] AS8, [30, max] none.
        Assert.Equal(3, map.IntervalCount);
    }
}
