using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Table;

/// <summary>The table built from the real AWS, GCP and Azure files in ../shared/data/cloud-ranges.</summary>
public sealed class IpRangeTableRealDataTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("35.180.1.1", "aws:eu-west-3")]
    [InlineData("::ffff:35.180.1.1", "aws:eu-west-3")]
    [InlineData("35.220.26.1", "gcp:europe-north1")]
    [InlineData("64.252.81.1", "aws:sa-east-1")] // regional /24 inside the GLOBAL 64.252.64.0/18
    [InlineData("64.252.90.1", "aws:GLOBAL")] // a gap between the regional /24s in that /18
    [InlineData("108.156.0.1", "aws:GLOBAL")] // CloudFront
    [InlineData("192.168.0.1", null)]
    [InlineData("10.0.0.1", null)]
    [InlineData("127.0.0.1", null)]
    [InlineData("::1", null)]
    public void Known_addresses(string address, string? expected)
    {
        var found = RealRanges.Table.TryLookup(IPAddress.Parse(address), out var location);

        Assert.Equal(expected, found ? $"{location!.Cloud}:{location.Region}" : null);
    }

    [Fact]
    public void Build_is_fast_and_count_is_the_number_of_distinct_prefixes()
    {
        var all = RealRanges.All;
        _ = IpRangeTable.Build(all); // warm up the JIT

        var stopwatch = Stopwatch.StartNew();
        var table = IpRangeTable.Build(all);
        stopwatch.Stop();
        output.WriteLine($"Build of {all.Count} prefixes: {stopwatch.Elapsed.TotalMilliseconds:F1} ms, {table.Count} distinct, {table.IntervalCount} intervals");

        // 16,424 AWS + 1,047 GCP + 15,058 Azure entries; AWS repeats blocks once per service.
        Assert.InRange(table.Count, 20_000, all.Count);
        Assert.Equal(new BruteForceLookup(all).Count, table.Count);

        // The target is a few tens of ms; the bound is loose so a busy CI machine does not flake.
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void Agrees_with_the_brute_force_oracle_on_100k_addresses()
    {
        var all = RealRanges.All;
        var table = RealRanges.Table;
        var oracle = new BruteForceLookup(all);
        var v4Prefixes = all.Where(p => p.Network.BaseAddress.AddressFamily == AddressFamily.InterNetwork).ToArray();
        var v6Prefixes = all.Where(p => p.Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6).ToArray();
        var random = new Random(20260729);

        var mismatches = new List<string>();
        int hits = 0, v6Hits = 0, mappedHits = 0;
        for (var i = 0; i < 100_000; i++)
        {
            // Half IPv4 (a fifth of those as IPv4-mapped IPv6), half IPv6.
            IPAddress address;
            var ipv6 = i % 2 == 1;
            var mapped = !ipv6 && random.Next(5) == 0;
            if (ipv6)
            {
                address = IpRangeTableTests.ToAddress(PickV6(random, v6Prefixes));
            }
            else
            {
                address = IpRangeTableTests.ToAddress(PickV4(random, v4Prefixes));
                if (mapped)
                {
                    address = address.MapToIPv6();
                }
            }

            var expected = oracle.Lookup(address);
            var actual = table.TryLookup(address, out var location) ? location : null;
            var bytes = address.GetAddressBytes();
            var numeric = bytes.Length == 4
                ? (table.TryLookupV4(BinaryPrimitives.ReadUInt32BigEndian(bytes), out var l4) ? l4 : null)
                : (table.TryLookupV6(BinaryPrimitives.ReadUInt128BigEndian(bytes), out var l6) ? l6 : null);
            if ((!Equals(expected, actual) || !Equals(expected, numeric)) && mismatches.Count < 10)
            {
                mismatches.Add($"{address}: oracle {expected}, table {actual}, numeric {numeric}");
            }

            if (expected is not null)
            {
                hits++;
                v6Hits += ipv6 ? 1 : 0;
                mappedHits += mapped ? 1 : 0;
            }
        }

        output.WriteLine($"{hits} hits ({v6Hits} IPv6, {mappedHits} IPv4-mapped) out of 100,000");
        Assert.Empty(mismatches);

        // The sampling is meant to exercise matches, boundaries and misses, not mostly misses.
        Assert.InRange(hits, 40_000, 80_000);
        Assert.InRange(v6Hits, 15_000, 40_000);
        Assert.InRange(mappedHits, 3_000, 10_000);
    }

    /// <summary>
    /// 70% derived from a random known prefix (inside it, or its first or last address, or the address
    /// just outside either end), 30% uniform over the whole space.
    /// </summary>
    private static uint PickV4(Random random, CloudPrefix[] prefixes)
    {
        if (random.Next(10) >= 7)
        {
            return (uint)random.NextInt64(0x1_0000_0000);
        }

        var prefix = prefixes[random.Next(prefixes.Length)].Network;
        var first = BinaryPrimitives.ReadUInt32BigEndian(prefix.BaseAddress.GetAddressBytes());
        var host = prefix.PrefixLength == 0 ? uint.MaxValue : (1u << (32 - prefix.PrefixLength)) - 1;
        var last = first | host;
        return random.Next(8) switch
        {
            0 => first,
            1 => last,
            2 => first - 1,
            3 => last + 1,
            _ => first | ((uint)random.NextInt64(0x1_0000_0000) & host),
        };
    }

    /// <summary>
    /// As <see cref="PickV4"/>; the uniform share is split between global unicast (2000::/3, where the
    /// clouds' space is) and the whole space.
    /// </summary>
    private static UInt128 PickV6(Random random, CloudPrefix[] prefixes)
    {
        var roll = random.Next(10);
        var uniform = new UInt128((ulong)random.NextInt64() << 1 ^ (ulong)random.Next(2), (ulong)random.NextInt64() << 1 ^ (ulong)random.Next(2));
        if (roll >= 8)
        {
            return uniform;
        }

        if (roll == 7)
        {
            return (uniform >> 3) | new UInt128(0x2000_0000_0000_0000, 0);
        }

        var prefix = prefixes[random.Next(prefixes.Length)].Network;
        var first = BinaryPrimitives.ReadUInt128BigEndian(prefix.BaseAddress.GetAddressBytes());
        var host = prefix.PrefixLength == 0 ? UInt128.MaxValue : (UInt128.One << (128 - prefix.PrefixLength)) - 1;
        var last = first | host;
        return random.Next(8) switch
        {
            0 => first,
            1 => last,
            2 => first - 1,
            3 => last + 1,
            _ => first | (uniform & host),
        };
    }
}
