using Archeio.Ranges.Parsing;

namespace Archeio.Tests.Ranges.Parsing;

public sealed class GcpRangesParserTests
{
    [Fact]
    public void Fixture_yields_ipv4_and_ipv6_entries_with_scope_as_region()
    {
        using var stream = RangeFixtures.Open(RangeFixtures.Gcp);

        var prefixes = GcpRangesParser.Parse(stream, "gcp");

        Assert.Equal(
            [
                "34.35.0.0/16 africa-south1",
                "2600:1900:8000::/44 africa-south1",
                "35.220.26.0/24 europe-north1",
                "35.220.0.0/16 asia-east2",
                "2600:1900:4000::/44 us-central1",
            ],
            prefixes.Select(p => $"{p.Network} {p.Location.Region}"));
        Assert.All(prefixes, p => Assert.Equal("gcp", p.Location.Cloud));
    }

    [Fact]
    public void Empty_prefix_list_is_fine()
    {
        using var stream = RangeFixtures.Json("""{"syncToken": "1", "prefixes": []}""");

        Assert.Empty(GcpRangesParser.Parse(stream, "gcp"));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("\"prefixes\"", "$: expected an object, found a string")]
    [InlineData("{}", "prefixes: required array is missing")]
    [InlineData("{'prefixes': 'none'}", "prefixes: expected an array, found a string")]
    [InlineData("{'prefixes': [[]]}", "prefixes[0]: expected an object, found an array")]
    [InlineData("{'prefixes': [{'scope': 'us-central1'}]}", "prefixes[0]: has neither ipv4Prefix nor ipv6Prefix")]
    [InlineData("{'prefixes': [{'ipv4Prefix': '1.2.3.0/24', 'ipv6Prefix': '2600:1900::/28', 'scope': 's'}]}", "prefixes[0]: has both ipv4Prefix and ipv6Prefix")]
    [InlineData("{'prefixes': [{'ipv4Prefix': '1.2.3.0/24'}]}", "prefixes[0].scope: required string is missing")]
    [InlineData("{'prefixes': [{'ipv4Prefix': '1.2.3.0/24', 'scope': 5}]}", "prefixes[0].scope: expected a string, found a number")]
    [InlineData("{'prefixes': [{'ipv4Prefix': 1, 'scope': 's'}]}", "prefixes[0].ipv4Prefix: expected a string, found a number")]
    [InlineData("{'prefixes': [{'ipv4Prefix': '::/0', 'scope': 's'}]}", "prefixes[0].ipv4Prefix: '::/0' is an IPv6 prefix, expected IPv4")]
    [InlineData("{'prefixes': [{'ipv6Prefix': '1.2.3.0/24', 'scope': 's'}]}", "prefixes[0].ipv6Prefix: '1.2.3.0/24' is an IPv4 prefix, expected IPv6")]
    [InlineData("{'prefixes': [{'ipv4Prefix': '1.2.3.0/24', 'scope': 's'}, {'ipv4Prefix': '1.2.3/24', 'scope': 's'}]}", "prefixes[1].ipv4Prefix: '1.2.3/24' is not a CIDR prefix")]
    [InlineData("{'prefixes': [{'ipv6Prefix': '2600:1900::/129', 'scope': 's'}]}", "prefixes[0].ipv6Prefix: '2600:1900::/129' is not a CIDR prefix")]
    public void Malformed_input_throws_with_the_offending_path(string json, string expectedMessage)
    {
        using var stream = RangeFixtures.Json(json.Replace('\'', '"'));

        var error = Assert.Throws<RangeFormatException>(() => GcpRangesParser.Parse(stream, "gcp"));

        Assert.StartsWith(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_file_has_the_documented_entry_count()
    {
        var prefixes = RealRanges.Gcp;

        Assert.Equal(1_047, prefixes.Count);
        Assert.Contains(prefixes, p => p.Network.ToString() == "35.220.26.0/24" && p.Location.Region == "europe-north1");
    }
}
