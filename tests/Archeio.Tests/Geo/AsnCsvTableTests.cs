using System.Net;
using Archeio.Geo;

namespace Archeio.Tests.Geo;

/// <summary>The ip-location-db ASN CSV reader on small hand-written files.</summary>
public sealed class AsnCsvTableTests
{
    // The ip-location-db layout: start,end,asn,organisation; inclusive ranges; organisations quoted
    // when they hold commas. Out of order on purpose (the reader sorts), with gaps, adjacent ranges,
    // both ends of both address spaces, and an AS 0 line.
    private const string Fixture = """
        1.0.4.0,1.0.7.255,38803,Gtelecom Pty Ltd
        1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
        1.0.1.0,1.0.1.255,64512,Adjacent to the line above
        0.0.0.0,0.0.0.0,65000,The first address
        255.255.255.255,255.255.255.255,65001,The last address
        5.0.0.0,5.0.0.255,0,Not routed (AS0)
        2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project
        2001:67c:2e8::,2001:67c:2e8:ffff:ffff:ffff:ffff:ffff,3333,Reseaux IP Europeens Network Coordination Centre (RIPE NCC)
        ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,65002,The top of IPv6

        """;

    [Theory]
    [InlineData("1.0.0.0", 13335u)] // first address of a range
    [InlineData("1.0.0.255", 13335u)] // last address of a range
    [InlineData("1.0.1.0", 64512u)] // the next range starts right after it
    [InlineData("1.0.1.255", 64512u)]
    [InlineData("1.0.2.0", null)] // a gap
    [InlineData("1.0.3.255", null)]
    [InlineData("1.0.4.0", 38803u)]
    [InlineData("1.0.7.255", 38803u)]
    [InlineData("1.0.8.0", null)]
    [InlineData("0.0.0.0", 65000u)]
    [InlineData("0.0.0.1", null)]
    [InlineData("255.255.255.254", null)]
    [InlineData("255.255.255.255", 65001u)]
    [InlineData("5.0.0.1", null)] // AS 0 means none
    [InlineData("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", null)]
    [InlineData("2001:200::", 2500u)]
    [InlineData("2001:200:ffff:ffff:ffff:ffff:ffff:ffff", 2500u)]
    [InlineData("2001:201::", null)]
    [InlineData("2001:67c:2e8::1", 3333u)]
    [InlineData("::", null)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:feff", null)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff00", 65002u)]
    [InlineData("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65002u)]
    public void Finds_ranges_by_their_inclusive_bounds(string address, uint? asn)
    {
        using var table = Read(Fixture);

        Assert.Equal(asn, table.Find(IPAddress.Parse(address)));
    }

    [Fact]
    public void Counts_the_ranges_read_without_AS_0()
    {
        using var table = Read(Fixture);

        Assert.Equal(5, table.IPv4RangeCount);
        Assert.Equal(3, table.IPv6RangeCount);
        Assert.InRange(table.SizeInBytes, 2 * 256 * 1024, 3 * 256 * 1024); // two bucket indexes, a few intervals
    }

    [Fact]
    public void Reads_the_numeric_variant_and_a_header()
    {
        // asn-ipv4-num.csv and asn-ipv6-num.csv lines for the same ranges as above, concatenated.
        using var table = Read("""
            ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization
            16777216,16777471,13335,"Cloudflare, Inc."
            42540528726795050063891204319802818560,42540528806023212578155541913346768895,2500,WIDE Project
            4294967295,4294967295,65001,The last IPv4 address
            """);

        Assert.Equal(13335u, table.Find(IPAddress.Parse("1.0.0.1")));
        Assert.Null(table.Find(IPAddress.Parse("1.0.1.0")));
        Assert.Equal(2500u, table.Find(IPAddress.Parse("2001:200::1")));
        Assert.Equal(65001u, table.Find(IPAddress.Parse("255.255.255.255")));
        Assert.Equal((2, 1), (table.IPv4RangeCount, table.IPv6RangeCount));
    }

    [Fact]
    public void A_nested_range_wins_inside_its_parent_which_resumes_after_it()
    {
        using var table = Read("""
            10.0.0.0,10.0.255.255,1,parent
            10.0.1.0,10.0.1.255,2,child
            10.0.1.128,10.0.1.131,3,grandchild
            """);

        Assert.Equal(1u, table.Find(IPAddress.Parse("10.0.0.255")));
        Assert.Equal(2u, table.Find(IPAddress.Parse("10.0.1.0")));
        Assert.Equal(3u, table.Find(IPAddress.Parse("10.0.1.128")));
        Assert.Equal(3u, table.Find(IPAddress.Parse("10.0.1.131")));
        Assert.Equal(2u, table.Find(IPAddress.Parse("10.0.1.132")));
        Assert.Equal(2u, table.Find(IPAddress.Parse("10.0.1.255")));
        Assert.Equal(1u, table.Find(IPAddress.Parse("10.0.2.0")));
        Assert.Equal(1u, table.Find(IPAddress.Parse("10.0.255.255")));
        Assert.Null(table.Find(IPAddress.Parse("10.1.0.0")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_partial_overlap_goes_to_the_later_range_whatever_the_line_order(bool reversed)
    {
        // The one overlap in asn-ipv4.csv of 2.3.2026061719.
        string[] lines =
        [
            "214.95.0.0,215.0.255.255,749,United States Department of Defense (DoD)",
            "215.0.0.0,215.1.3.255,721,DoD Network Information Center",
        ];
        using var table = Read(string.Join('\n', reversed ? lines.Reverse() : lines));

        Assert.Equal(749u, table.Find(IPAddress.Parse("214.95.0.0")));
        Assert.Equal(749u, table.Find(IPAddress.Parse("214.255.255.255")));
        Assert.Equal(721u, table.Find(IPAddress.Parse("215.0.0.0")));
        Assert.Equal(721u, table.Find(IPAddress.Parse("215.0.255.255")));
        Assert.Equal(721u, table.Find(IPAddress.Parse("215.1.3.255")));
        Assert.Null(table.Find(IPAddress.Parse("215.1.4.0")));
    }

    [Theory]
    [InlineData("1.0.0.0,1.0.0.255", "expected start,end,asn")]
    [InlineData("1.0.0.0 1.0.0.255 13335", "expected start,end,asn")]
    [InlineData("1.0.0.0,1.0.0.255,AS13335,x", "AS number")]
    [InlineData("1.0.0.0,1.0.0.255,-1,x", "AS number")]
    [InlineData("1.0.0.0,1.0.0.255,4294967296,x", "AS number")]
    [InlineData("1.0.0.0,1.0.0.256,1,x", "range bound")]
    [InlineData("01.0.0.0,1.0.0.255,1,x", "range bound")] // inet_aton would read 01 as octal
    [InlineData("1.0.0,1.0.0.255,1,x", "range bound")]
    [InlineData("2001:db8::%eth0,2001:db8::ffff,1,x", "range bound")]
    [InlineData("1.0.0.0,2001::,1,x", "different address families")]
    [InlineData("4294967295,4294967296,1,x", "different address families")]
    [InlineData("1.0.1.0,1.0.0.0,1,x", "ends before it starts")]
    [InlineData("\u0001\u0002\u0003garbage", "expected start,end,asn")]
    public void A_bad_line_rejects_the_file_naming_the_line(string line, string problem)
    {
        var error = Assert.Throws<InvalidDataException>(() => Read("1.0.4.0,1.0.7.255,38803,fine\n" + line + "\n"));

        Assert.StartsWith("line 2: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("5.0.0.0,5.0.0.255,0,only AS 0")]
    public void A_file_without_ranges_is_rejected(string text)
    {
        var error = Assert.Throws<InvalidDataException>(() => Read(text));

        Assert.Contains("no address ranges", error.Message, StringComparison.Ordinal);
    }

    private static AsnCsvTable Read(string text)
    {
        using var reader = new StringReader(text);
        return AsnCsvTable.Read(reader);
    }
}
