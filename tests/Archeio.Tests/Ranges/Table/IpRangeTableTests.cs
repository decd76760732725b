using System.Buffers.Binary;
using System.Net;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Table;

public sealed class IpRangeTableTests
{
    // An AWS-like nest: a GLOBAL block holding a regional block holding a more specific one holding a host.
    private static readonly CloudPrefix[] _nested =
    [
        P("64.0.0.0/8", "GLOBAL"),
        P("64.252.64.0/18", "us-east-1"),
        P("64.252.81.0/24", "sa-east-1"),
        P("64.252.81.128/32", "eu-west-1"),
        P("2600:1f00::/24", "GLOBAL"),
        P("2600:1f14::/35", "us-west-2"),
        P("2600:1f14::1/128", "us-east-2"),
    ];

    [Theory]
    [InlineData("63.255.255.255", null)]
    [InlineData("64.0.0.0", "aws:GLOBAL")]
    [InlineData("64.255.255.255", "aws:GLOBAL")]
    [InlineData("65.0.0.0", null)]
    [InlineData("64.252.63.255", "aws:GLOBAL")]
    [InlineData("64.252.64.0", "aws:us-east-1")]
    [InlineData("64.252.80.255", "aws:us-east-1")]
    [InlineData("64.252.81.0", "aws:sa-east-1")]
    [InlineData("64.252.81.127", "aws:sa-east-1")]
    [InlineData("64.252.81.128", "aws:eu-west-1")]
    [InlineData("64.252.81.129", "aws:sa-east-1")]
    [InlineData("64.252.81.255", "aws:sa-east-1")]
    [InlineData("64.252.82.0", "aws:us-east-1")]
    [InlineData("64.252.127.255", "aws:us-east-1")]
    [InlineData("64.252.128.0", "aws:GLOBAL")]
    [InlineData("::ffff:64.252.81.128", "aws:eu-west-1")]
    [InlineData("::ffff:64.252.82.0", "aws:us-east-1")]
    [InlineData("::ffff:65.0.0.0", null)]
    [InlineData("2600:1eff:ffff:ffff:ffff:ffff:ffff:ffff", null)]
    [InlineData("2600:1f00::", "aws:GLOBAL")]
    [InlineData("2600:1f13:ffff:ffff:ffff:ffff:ffff:ffff", "aws:GLOBAL")]
    [InlineData("2600:1f14::", "aws:us-west-2")]
    [InlineData("2600:1f14::1", "aws:us-east-2")]
    [InlineData("2600:1f14::2", "aws:us-west-2")]
    [InlineData("2600:1f14:1fff:ffff:ffff:ffff:ffff:ffff", "aws:us-west-2")]
    [InlineData("2600:1f14:2000::", "aws:GLOBAL")]
    [InlineData("2600:1fff:ffff:ffff:ffff:ffff:ffff:ffff", "aws:GLOBAL")]
    [InlineData("2600:2000::", null)]
    [InlineData("192.168.0.1", null)]
    [InlineData("::1", null)]
    [InlineData("::", null)]
    [InlineData("0.0.0.0", null)]
    [InlineData("255.255.255.255", null)]
    public void Most_specific_prefix_wins_whatever_the_input_order(string address, string? expected)
    {
        foreach (var order in Orders(_nested))
        {
            var table = IpRangeTable.Build(order);

            Assert.Equal(expected, Lookup(table, address));
        }
    }

    [Theory]
    [InlineData("0.0.0.0", "zero")]
    [InlineData("0.0.0.1", "any")]
    [InlineData("9.255.255.255", "any")]
    [InlineData("10.0.0.0", "ten")]
    [InlineData("10.255.255.255", "ten")]
    [InlineData("11.0.0.0", "any")]
    [InlineData("255.255.255.254", "any")]
    [InlineData("255.255.255.255", "top")]
    [InlineData("::ffff:1.2.3.4", "any")]
    [InlineData("::ffff:255.255.255.255", "top")]
    [InlineData("::", "zero6")]
    [InlineData("::1", "any6")]
    [InlineData("2001:db8::1", "any6")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "any6")]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "top6")]
    public void Catch_all_and_full_length_prefixes_at_the_edges_of_the_address_space(string address, string expected)
    {
        CloudPrefix[] prefixes =
        [
            P("0.0.0.0/0", "any"),
            P("10.0.0.0/8", "ten"),
            P("255.255.255.255/32", "top"),
            P("0.0.0.0/32", "zero"),
            P("::/0", "any6"),
            P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "top6"),
            P("::/128", "zero6"),
        ];

        foreach (var order in Orders(prefixes))
        {
            Assert.Equal($"aws:{expected}", Lookup(IpRangeTable.Build(order), address));
        }
    }

    [Theory]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("0.0.0.0/0", "1.2.3.4", true)]
    [InlineData("::/0", "1.2.3.4", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    // A mapped address is an IPv4 client: an IPv6 catch-all does not cover it, an IPv4 one does.
    [InlineData("::/0", "::ffff:1.2.3.4", false)]
    [InlineData("0.0.0.0/0", "::ffff:1.2.3.4", true)]
    public void IPv4_and_IPv6_are_separate(string prefix, string address, bool found)
    {
        var table = IpRangeTable.Build([P(prefix, "r")]);

        Assert.Equal(found, table.TryLookup(IPAddress.Parse(address), out _));
    }

    [Fact]
    public void IPv6_prefixes_within_the_mapped_range_are_stored_as_IPv4()
    {
        var table = IpRangeTable.Build([P("::ffff:10.0.0.0/104", "mapped"), P("10.1.0.0/16", "ten-one")]);

        Assert.Equal("aws:mapped", Lookup(table, "10.2.3.4"));
        Assert.Equal("aws:mapped", Lookup(table, "::ffff:10.2.3.4"));
        Assert.Equal("aws:ten-one", Lookup(table, "::ffff:10.1.3.4"));
        Assert.Null(Lookup(table, "11.0.0.0"));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Identical_prefix_first_one_given_wins()
    {
        var first = new CloudPrefix(IPNetwork.Parse("10.0.0.0/8"), new CloudLocation("aws", "r1"));
        var second = new CloudPrefix(IPNetwork.Parse("10.0.0.0/8"), new CloudLocation("gcp", "r2"));

        Assert.Equal("aws:r1", Lookup(IpRangeTable.Build([first, second]), "10.1.2.3"));
        Assert.Equal("gcp:r2", Lookup(IpRangeTable.Build([second, first]), "10.1.2.3"));
    }

    [Theory]
    [InlineData("GLOBAL", "us-east-1", "us-east-1")]
    [InlineData("us-east-1", "GLOBAL", "us-east-1")]
    [InlineData("GLOBAL", "GLOBAL", "GLOBAL")]
    [InlineData("us-east-1", "us-west-2", "us-east-1")]
    public void Identical_prefix_regional_beats_GLOBAL_in_either_order(string first, string second, string expected)
    {
        CloudPrefix[] prefixes = [P("52.94.76.0/22", first), P("52.94.76.0/22", second), P("2600:1f00::/24", first), P("2600:1f00::/24", second)];

        var table = IpRangeTable.Build(prefixes);

        Assert.Equal($"aws:{expected}", Lookup(table, "52.94.77.1"));
        Assert.Equal($"aws:{expected}", Lookup(table, "2600:1f00::1"));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void Among_several_regional_duplicates_of_a_GLOBAL_prefix_the_first_regional_wins()
    {
        var table = IpRangeTable.Build([P("52.94.76.0/22", "GLOBAL"), P("52.94.76.0/22", "r1"), P("52.94.76.0/22", "GLOBAL"), P("52.94.76.0/22", "r2")]);

        Assert.Equal("aws:r1", Lookup(table, "52.94.76.0"));
        Assert.Equal(1, table.Count);
    }

    [Fact]
    public void Empty_table_finds_nothing()
    {
        var table = IpRangeTable.Build([]);

        Assert.Equal(0, table.Count);
        Assert.False(table.TryLookupV4(0, out _));
        Assert.False(table.TryLookupV4(uint.MaxValue, out _));
        Assert.False(table.TryLookupV6(UInt128.Zero, out _));
        Assert.False(table.TryLookupV6(UInt128.MaxValue, out _));
    }

    [Fact]
    public void Adjacent_prefixes_with_the_same_location_merge_into_one_interval()
    {
        var table = IpRangeTable.Build([P("10.0.0.0/25", "r"), P("10.0.0.128/25", "r"), P("10.0.1.0/24", "r")]);

        // [0, 10.0.0.0) gap, [10.0.0.0, 10.0.2.0) r, [10.0.2.0, end] gap; plus the IPv6 map's single gap.
        Assert.Equal(4, table.IntervalCount);
        Assert.Equal(3, table.Count);
        Assert.Equal("aws:r", Lookup(table, "10.0.1.255"));
        Assert.Null(Lookup(table, "10.0.2.0"));
    }

    [Fact]
    public void Fixture_files_combined()
    {
        var table = IpRangeTable.Build(ParseFixtures());

        Assert.Multiple(
            () => Assert.Equal("aws:eu-west-3", Lookup(table, "35.180.1.1")),
            () => Assert.Equal("aws:eu-west-3", Lookup(table, "::ffff:35.180.1.1")),
            () => Assert.Equal("aws:sa-east-1", Lookup(table, "64.252.81.1")),
            () => Assert.Equal("aws:GLOBAL", Lookup(table, "64.1.1.1")),
            () => Assert.Equal("aws:us-west-2", Lookup(table, "52.94.76.1")),
            () => Assert.Equal("aws:ap-northeast-2", Lookup(table, "3.5.140.0")),
            () => Assert.Equal("aws:ap-northeast-2", Lookup(table, "3.5.143.255")),
            () => Assert.Equal("aws:eu-west-1", Lookup(table, "3.4.12.4")),
            () => Assert.Null(Lookup(table, "3.4.12.5")),
            () => Assert.Equal("aws:eu-west-3", Lookup(table, "2a05:d012::1")),
            () => Assert.Equal("aws:us-east-1", Lookup(table, "2406:da00:ff00::3436:d4f")),
            () => Assert.Null(Lookup(table, "2406:da00:ff00::3436:d50")),
            () => Assert.Equal("gcp:europe-north1", Lookup(table, "35.220.26.1")),
            () => Assert.Equal("gcp:asia-east2", Lookup(table, "35.220.27.1")),
            () => Assert.Equal("gcp:africa-south1", Lookup(table, "2600:1900:8000::1")),
            () => Assert.Equal("azure:westeurope", Lookup(table, "20.50.0.1")),
            () => Assert.Equal("azure:westeurope", Lookup(table, "2603:1020:200::1")),
            () => Assert.Equal("azure:eastus", Lookup(table, "20.42.0.1")),
            () => Assert.Null(Lookup(table, "20.200.0.1")), // only in the global AzureCloud tag
            () => Assert.Null(Lookup(table, "52.239.140.1")), // only in the Storage.WestEurope service tag
            () => Assert.Null(Lookup(table, "147.243.0.1")), // only in AzureFrontDoor.Backend
            () => Assert.Null(Lookup(table, "2603:1000::1")),
            () => Assert.Null(Lookup(table, "192.168.0.1")));

        // 12 AWS entries with 2 duplicates, 5 GCP, 6 Azure.
        Assert.Equal(10 + 5 + 6, table.Count);
    }

    [Fact]
    public void Numeric_overloads_agree_with_the_IPAddress_overload()
    {
        var table = IpRangeTable.Build(ParseFixtures());

        Assert.True(table.TryLookupV4(0x23B40101, out var v4)); // 35.180.1.1
        Assert.Equal(new CloudLocation("aws", "eu-west-3"), v4);
        Assert.True(table.TryLookupV6(new UInt128(0, 0xFFFF_23B4_0101), out var mapped)); // ::ffff:35.180.1.1
        Assert.Same(v4, mapped);
        Assert.True(table.TryLookupV6(new UInt128(0x2a05_d012_0000_0000, 1), out var v6)); // 2a05:d012::1
        Assert.Same(v4, v6); // same location, stored once
        Assert.False(table.TryLookupV4(0xC0A80001, out _)); // 192.168.0.1
    }

    [Fact]
    public void Lookups_do_not_allocate()
    {
        var table = IpRangeTable.Build(ParseFixtures());
        var address = IPAddress.Parse("35.180.1.1");
        var address6 = IPAddress.Parse("2a05:d012::1");
        var found = 0;
        for (var i = 0; i < 2; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var j = 0; j < 1_000; j++)
            {
                found += table.TryLookupV4(0x23B40101u + (uint)j, out _) ? 1 : 0;
                found += table.TryLookupV6(new UInt128(0x2a05_d012_0000_0000, (ulong)j), out _) ? 1 : 0;
                found += table.TryLookup(address, out _) ? 1 : 0;
                found += table.TryLookup(address6, out _) ? 1 : 0;
            }

            // The first round may pay for tiered JIT; the second must allocate nothing.
            if (i == 1)
            {
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.Equal(8_000, found);
    }

    [Fact]
    public void Dense_random_nesting_matches_the_oracle_on_every_address()
    {
        // Thousands of random prefixes crammed into a /16 (and an IPv6 /112) nest many levels deep and
        // abut each other, which the real data only does mildly; every address in the block and a
        // margin around it is then checked against the brute-force oracle.
        var random = new Random(1234);
        string[] regions = ["GLOBAL", "r1", "r2", "r3", "r4"];
        var prefixes = new List<CloudPrefix>();
        for (var i = 0; i < 3_000; i++)
        {
            var length = random.Next(16, 33);
            var v4 = 0x0A00_0000u | (uint)random.Next(0x1_0000);
            prefixes.Add(new CloudPrefix(new IPNetwork(ToAddress(v4 & Mask32(length)), length), new CloudLocation(i % 7 == 0 ? "gcp" : "aws", regions[random.Next(regions.Length)])));
            var length6 = random.Next(112, 129);
            var v6 = new UInt128(0x2001_0db8_0000_0000, (ulong)random.Next(0x1_0000));
            prefixes.Add(new CloudPrefix(new IPNetwork(ToAddress(v6 & Mask128(length6)), length6), new CloudLocation("aws", regions[random.Next(regions.Length)])));
        }

        var table = IpRangeTable.Build(prefixes);
        var oracle = new BruteForceLookup(prefixes);
        Assert.Equal(oracle.Count, table.Count);

        var mismatches = new List<string>();
        for (var offset = -256; offset < 0x1_0000 + 256; offset++)
        {
            var v4 = ToAddress((uint)(0x0A00_0000 + offset));
            var block6 = new UInt128(0x2001_0db8_0000_0000, 0);
            var v6 = ToAddress(offset >= 0 ? block6 + (uint)offset : block6 - (uint)-offset);
            foreach (var address in new[] { v4, v6, v4.MapToIPv6() })
            {
                var expected = oracle.Lookup(address);
                var actual = table.TryLookup(address, out var location) ? location : null;
                if (!Equals(expected, actual) && mismatches.Count < 10)
                {
                    mismatches.Add($"{address}: expected {expected}, got {actual}");
                }
            }
        }

        Assert.Empty(mismatches);
    }

    internal static IPAddress ToAddress(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    internal static IPAddress ToAddress(UInt128 value)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, value);
        return new IPAddress(bytes);
    }

    private static uint Mask32(int length) => length == 0 ? 0 : uint.MaxValue << (32 - length);

    private static UInt128 Mask128(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);

    private static CloudPrefix P(string cidr, string region) => new(IPNetwork.Parse(cidr), new CloudLocation("aws", region));

    private static string? Lookup(IpRangeTable table, string address) =>
        table.TryLookup(IPAddress.Parse(address), out var location) ? $"{location.Cloud}:{location.Region}" : null;

    /// <summary>As given, reversed, and a few fixed shuffles.</summary>
    private static IEnumerable<CloudPrefix[]> Orders(CloudPrefix[] prefixes)
    {
        yield return prefixes;
        yield return [.. prefixes.Reverse()];
        for (var seed = 0; seed < 4; seed++)
        {
            var shuffled = prefixes.ToArray();
            new Random(seed).Shuffle(shuffled);
            yield return shuffled;
        }
    }

    private static List<CloudPrefix> ParseFixtures()
    {
        using var aws = RangeFixtures.Open(RangeFixtures.Aws);
        using var gcp = RangeFixtures.Open(RangeFixtures.Gcp);
        using var azure = RangeFixtures.Open(RangeFixtures.Azure);
        return
        [
            .. AwsRangesParser.Parse(aws, "aws"),
            .. GcpRangesParser.Parse(gcp, "gcp"),
            .. AzureRangesParser.Parse(azure, "azure"),
        ];
    }
}
