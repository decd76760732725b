using System.Net.Sockets;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Parsing;

public sealed class AwsRangesParserTests
{
    [Fact]
    public void Fixture_yields_every_entry_in_order_with_host_bits_masked()
    {
        using var stream = RangeFixtures.Open(RangeFixtures.Aws);

        var prefixes = AwsRangesParser.Parse(stream, "aws");

        Assert.Equal(
            [
                "64.0.0.0/8 GLOBAL",
                "64.252.81.0/24 sa-east-1",
                "35.180.0.0/16 eu-west-3",
                "35.180.0.0/16 eu-west-3",
                "52.94.76.0/22 GLOBAL",
                "52.94.76.0/22 us-west-2",
                "3.5.140.0/22 ap-northeast-2",
                "3.4.12.4/32 eu-west-1",
                "2600:1f00::/24 GLOBAL",
                "2600:1f14::/35 us-west-2",
                "2a05:d012::/36 eu-west-3",
                "2406:da00:ff00::3436:d4f/128 us-east-1",
            ],
            prefixes.Select(p => $"{p.Network} {p.Location.Region}"));
        Assert.All(prefixes, p => Assert.Equal("aws", p.Location.Cloud));
    }

    [Fact]
    public void Empty_arrays_are_fine()
    {
        using var stream = RangeFixtures.Json("""{"prefixes": [], "ipv6_prefixes": []}""");

        Assert.Empty(AwsRangesParser.Parse(stream, "aws"));
    }

    [Fact]
    public void Empty_region_is_kept_as_empty()
    {
        using var stream = RangeFixtures.Json("""{"prefixes": [{"ip_prefix": "1.2.3.0/24", "region": ""}], "ipv6_prefixes": []}""");

        Assert.Equal(new CloudLocation("aws", ""), Assert.Single(AwsRangesParser.Parse(stream, "aws")).Location);
    }

    [Fact]
    public void Error_message_names_the_path_and_the_value()
    {
        using var stream = RangeFixtures.Json(Quote(
            "{'prefixes': [{'ip_prefix': '1.2.3.0/24', 'region': 'r'}, {'ip_prefix': '1.2.3/24', 'region': 'r'}], 'ipv6_prefixes': []}"));

        var error = Assert.Throws<RangeFormatException>(() => AwsRangesParser.Parse(stream, "aws"));

        Assert.Equal("prefixes[1].ip_prefix: '1.2.3/24' is not a CIDR prefix", error.Message);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("", "not valid JSON")]
    [InlineData("{'prefixes': [", "not valid JSON")]
    [InlineData("{'prefixes': [], 'ipv6_prefixes': []} x", "not valid JSON")]
    [InlineData("[]", "$: expected an object, found an array")]
    [InlineData("{}", "prefixes: required array is missing")]
    [InlineData("{'prefixes': []}", "ipv6_prefixes: required array is missing")]
    [InlineData("{'prefixes': {}, 'ipv6_prefixes': []}", "prefixes: expected an array, found an object")]
    [InlineData("{'prefixes': null, 'ipv6_prefixes': []}", "prefixes: expected an array, found null")]
    [InlineData("{'prefixes': ['1.2.3.0/24'], 'ipv6_prefixes': []}", "prefixes[0]: expected an object, found a string")]
    [InlineData("{'prefixes': [{'region': 'us-east-1'}], 'ipv6_prefixes': []}", "prefixes[0].ip_prefix: required string is missing")]
    [InlineData("{'prefixes': [{'ip_prefix': 5, 'region': 'us-east-1'}], 'ipv6_prefixes': []}", "prefixes[0].ip_prefix: expected a string, found a number")]
    [InlineData("{'prefixes': [{'ip_prefix': '1.2.3.0/24'}], 'ipv6_prefixes': []}", "prefixes[0].region: required string is missing")]
    [InlineData("{'prefixes': [{'ip_prefix': '1.2.3.0/24', 'region': null}], 'ipv6_prefixes': []}", "prefixes[0].region: required string is missing")]
    [InlineData("{'prefixes': [{'ip_prefix': '1.2.3.0/24', 'region': true}], 'ipv6_prefixes': []}", "prefixes[0].region: expected a string, found a boolean")]
    [InlineData("{'prefixes': [{'ip_prefix': '1.2.3.4/33', 'region': 'r'}], 'ipv6_prefixes': []}", "prefixes[0].ip_prefix: '1.2.3.4/33' is not a CIDR prefix")]
    [InlineData("{'prefixes': [{'ip_prefix': '1.2.3.4', 'region': 'r'}], 'ipv6_prefixes': []}", "prefixes[0].ip_prefix: '1.2.3.4' is not a CIDR prefix")]
    [InlineData("{'prefixes': [{'ip_prefix': '2600:1f00::/24', 'region': 'r'}], 'ipv6_prefixes': []}", "prefixes[0].ip_prefix: '2600:1f00::/24' is an IPv6 prefix, expected IPv4")]
    [InlineData("{'prefixes': [], 'ipv6_prefixes': [{'ipv6_prefix': '1.2.3.0/24', 'region': 'r'}]}", "ipv6_prefixes[0].ipv6_prefix: '1.2.3.0/24' is an IPv4 prefix, expected IPv6")]
    [InlineData("{'prefixes': [], 'ipv6_prefixes': [{'ip_prefix': '2600:1f00::/24', 'region': 'r'}]}", "ipv6_prefixes[0].ipv6_prefix: required string is missing")]
    [InlineData("{'prefixes': [], 'ipv6_prefixes': [{'ipv6_prefix': '2600:1f00::/129', 'region': 'r'}]}", "ipv6_prefixes[0].ipv6_prefix: '2600:1f00::/129' is not a CIDR prefix")]
    public void Malformed_input_throws_with_the_offending_path(string json, string expectedMessage)
    {
        using var stream = RangeFixtures.Json(Quote(json));

        var error = Assert.Throws<RangeFormatException>(() => AwsRangesParser.Parse(stream, "aws"));

        Assert.StartsWith(expectedMessage, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_utf8_is_a_format_error()
    {
        byte[] json =
        [
            .. "{\"prefixes\": [{\"ip_prefix\": \"1.2.3.0/24\", \"region\": \"us-"u8,
            0xFF,
            .. "\"}], \"ipv6_prefixes\": []}"u8,
        ];
        using var stream = new MemoryStream(json);

        var error = Assert.Throws<RangeFormatException>(() => AwsRangesParser.Parse(stream, "aws"));

        Assert.StartsWith("prefixes[0].region: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Real_file_has_the_documented_entry_counts()
    {
        var prefixes = RealRanges.Aws;

        Assert.Equal(10_544, prefixes.Count(p => p.Network.BaseAddress.AddressFamily == AddressFamily.InterNetwork));
        Assert.Equal(5_880, prefixes.Count(p => p.Network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6));
        Assert.Contains(prefixes, p => p.Location.Region == "GLOBAL");
        Assert.Contains(prefixes, p => p.Network.ToString() == "35.180.0.0/16" && p.Location.Region == "eu-west-3");
    }

    /// <summary>Lets the JSON in attributes use single quotes instead of escaped double quotes.</summary>
    private static string Quote(string json) => json.Replace('\'', '"');
}
