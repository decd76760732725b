using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Routing;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Archeio.Tests.Geo;

/// <summary>
/// <see cref="GeoLookup"/> on the real ip-location-db databases (npm packages that scripts/test.sh
/// installs). The expected answers are ones that do not move between releases of the data: the
/// RIPE NCC's own addresses and Google's public DNS.
/// </summary>
public sealed class GeoLookupTests(RealGeoLookup real, ITestOutputHelper output) : IClassFixture<RealGeoLookup>
{
    [Theory]
    [InlineData("193.0.6.139", "NL", "EU", 3333u)] // www.ripe.net
    [InlineData("8.8.8.8", "US", "NA", 15169u)] // Google public DNS
    [InlineData("2001:67c:2e8::1", "NL", "EU", 3333u)] // the RIPE NCC's IPv6 block
    [InlineData("2001:4860:4860::8888", "US", "NA", 15169u)] // Google public DNS over IPv6
    [InlineData("::ffff:193.0.6.139", "NL", "EU", 3333u)] // IPv4-mapped, as a dual-stack socket reports it
    [InlineData("::ffff:8.8.8.8", "US", "NA", 15169u)]
    public void Known_addresses(string address, string country, string continent, uint asn)
    {
        Assert.Equal(new GeoFacts(country, continent, asn), real.Lookup.Lookup(IPAddress.Parse(address)));
    }

    [Theory]
    [InlineData("192.168.0.1")] // the data maps 192.168.0.0/16 to AU: it must not be believed
    [InlineData("172.16.0.1")] // likewise
    [InlineData("10.0.0.1")]
    [InlineData("100.64.0.1")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.169.254")]
    [InlineData("192.0.2.1")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("::")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1")]
    [InlineData("2001:db8::1")]
    [InlineData("ff02::1")]
    public void Addresses_that_are_not_global_are_unknown(string address)
    {
        Assert.Same(GeoFacts.Unknown, real.Lookup.Lookup(IPAddress.Parse(address)));
    }

    [Fact]
    public void An_address_in_no_database_is_unknown()
    {
        // 3ffe::/16 (the 6bone's, returned in 2006) is delegated to no one, so it is in neither file.
        Assert.Same(GeoFacts.Unknown, real.Lookup.Lookup(IPAddress.Parse("3ffe:ffff::1")));
    }

    [Fact]
    public void IPv4_mapped_addresses_get_the_IPv4_answer_on_random_addresses()
    {
        var random = new Random(5);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < 2000; i++)
        {
            random.NextBytes(bytes);
            var v4 = new IPAddress(bytes);
            Assert.Equal(real.Lookup.Lookup(v4), real.Lookup.Lookup(v4.MapToIPv6()));
        }
    }

    [Fact]
    public void Every_line_of_the_ASN_files_is_found_at_both_of_its_ends()
    {
        // A boundary check of the whole CSV path on the real data: each range's first and last address
        // must give its AS number, except where a later range overlaps it (the file has a few).
        var table = AsnCsvTable.Load(real.AsnCsv);
        int lines = 0, mismatches = 0, overlaps = 0;
        (UInt128 End, bool IsV4) previous = (UInt128.Zero, false);
        foreach (var line in File.ReadLines(real.AsnCsv))
        {
            var fields = line.Split(',');
            var start = IPAddress.Parse(fields[0]);
            var end = IPAddress.Parse(fields[1]);
            var asn = uint.Parse(fields[2], System.Globalization.CultureInfo.InvariantCulture);
            var isV4 = start.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
            if (isV4 == previous.IsV4 && ToNumber(start) <= previous.End)
            {
                overlaps++;
            }

            previous = (ToNumber(end), isV4);
            lines++;
            if (asn != 0 && (table.Find(start) != asn || table.Find(end) != asn))
            {
                mismatches++;
            }
        }

        output.WriteLine($"{lines} lines, {overlaps} overlapping the previous one, {mismatches} not found at both ends");
        Assert.Equal(table.IPv4RangeCount + table.IPv6RangeCount, lines);
        Assert.InRange(lines, 400_000, 2_000_000);
        Assert.InRange(mismatches, 0, overlaps);
    }

    [Fact]
    public void The_numeric_CSV_variant_gives_the_same_answers()
    {
        using var directory = new TempDirectory("geo-num");
        var path = directory.Combine("asn-num.csv");
        File.WriteAllLines(path, File.ReadLines(GeoDatabases.AsnIPv4NumCsv).Concat(File.ReadLines(GeoDatabases.AsnIPv6NumCsv)));
        using var numeric = AsnCsvTable.Load(path);
        using var text = AsnCsvTable.Load(real.AsnCsv);

        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var address = RandomAddress(random, ipv6: i % 2 == 1);
            Assert.Equal(text.Find(address), numeric.Find(address));
        }

        Assert.Equal((text.IPv4RangeCount, text.IPv6RangeCount), (numeric.IPv4RangeCount, numeric.IPv6RangeCount));
    }

    [Fact]
    public void The_IPv4_only_country_database_answers_IPv4_and_leaves_IPv6_unknown()
    {
        using var lookup = new GeoLookup(new GeoSettings(GeoDatabases.CountryIPv4Mmdb, null), new ListLogger<GeoLookup>());

        Assert.Equal(new GeoFacts("NL", "EU", null), lookup.Lookup(IPAddress.Parse("193.0.6.139")));
        Assert.Equal(new GeoFacts("NL", "EU", null), lookup.Lookup(IPAddress.Parse("::ffff:193.0.6.139")));
        // MaxMind.Db would answer US here, from the IPv4 network 32.1.6.124 that the first bits spell.
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("2001:67c:2e8::1")));
    }

    [Fact]
    public void Start_up_logs_what_was_opened()
    {
        var lines = real.Logger.At(LogLevel.Information);

        Assert.Contains(lines, l => l.Contains(GeoLookup.CountryKey, StringComparison.Ordinal) && l.Contains("memory-mapped", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(GeoLookup.AsnKey, StringComparison.Ordinal) && l.Contains("IPv6 ranges", StringComparison.Ordinal));
        Assert.True(real.Lookup.HasCountryDatabase);
        Assert.True(real.Lookup.HasAsnDatabase);
    }

    [Fact]
    public void Lookup_cost_load_time_and_memory()
    {
        // Figures for docs/configuration.md; the bounds are loose so that a busy CI machine does not
        // flake (the targets are about a microsecond per lookup and a couple of seconds to load).
        var table = AsnCsvTable.Load(real.AsnCsv);
        output.WriteLine($"Load (country MMDB + ASN CSV): {real.LoadTime.TotalMilliseconds:F0} ms; ASN table {table.SizeInBytes / 1024.0 / 1024.0:F1} MiB "
            + $"({table.IPv4RangeCount} IPv4 + {table.IPv6RangeCount} IPv6 ranges)");

        const int count = 1_000_000;
        foreach (var ipv6 in new[] { false, true })
        {
            var random = new Random(11);
            var addresses = new IPAddress[count];
            for (var i = 0; i < count; i++)
            {
                addresses[i] = RandomAddress(random, ipv6);
            }

            var lookup = real.Lookup;
            var found = 0;

            // Warm up first: until tiered compilation has optimized the code (a few hundred ms), calls
            // run unoptimized code and would triple the average.
            var warmUp = Stopwatch.StartNew();
            for (var i = 0; warmUp.ElapsedMilliseconds < 600; i = (i + 1) % count)
            {
                found += lookup.Lookup(addresses[i]).Country is null ? 0 : 1;
                found += table.Find(addresses[i]) is null ? 0 : 1;
            }

            found = 0;
            var stopwatch = Stopwatch.StartNew();
            foreach (var address in addresses)
            {
                found += lookup.Lookup(address).Country is null ? 0 : 1;
            }

            var full = stopwatch.Elapsed;
            stopwatch.Restart();
            foreach (var address in addresses)
            {
                found += table.Find(address) is null ? 0 : 1;
            }

            var asnOnly = stopwatch.Elapsed;
            output.WriteLine($"{(ipv6 ? "IPv6 (random in 2000::/4)" : "IPv4 (random)")}: Lookup (country + continent + ASN) "
                + $"{full.TotalNanoseconds / count:F0} ns, ASN CSV alone {asnOnly.TotalNanoseconds / count:F0} ns per address ({found} answers)");
            Assert.InRange(full.TotalNanoseconds / count, 0, 20_000);
        }

        Assert.InRange(real.LoadTime, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    private static IPAddress RandomAddress(Random random, bool ipv6)
    {
        if (!ipv6)
        {
            Span<byte> v4 = stackalloc byte[4];
            random.NextBytes(v4);
            return new IPAddress(v4);
        }

        // Global unicast only, and within 2000::/4, where nearly all delegations are, so that some hit.
        Span<byte> v6 = stackalloc byte[16];
        random.NextBytes(v6);
        v6[0] = (byte)(0x20 | (v6[0] & 0x0F));
        return new IPAddress(v6);
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
