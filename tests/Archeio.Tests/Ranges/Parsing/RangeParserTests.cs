using Archeio.Ranges.Parsing;

namespace Archeio.Tests.Ranges.Parsing;

public sealed class RangeParserTests
{
    [Theory]
    [InlineData("Aws", RangeFixtures.Aws, 12)]
    [InlineData("Gcp", RangeFixtures.Gcp, 5)]
    [InlineData("Azure", RangeFixtures.Azure, 6)]
    public void Dispatches_to_the_parser_for_the_format(string format, string fixture, int expectedCount)
    {
        using var stream = RangeFixtures.Open(fixture);

        var prefixes = RangeParser.Parse(Enum.Parse<RangeFormat>(format), stream, "cloud");

        Assert.Equal(expectedCount, prefixes.Count);
        Assert.All(prefixes, p => Assert.Equal("cloud", p.Location.Cloud));
    }

    [Theory]
    [InlineData("Aws", RangeFixtures.Gcp, "ipv6_prefixes: required array is missing")]
    [InlineData("Aws", RangeFixtures.Azure, "prefixes: required array is missing")]
    [InlineData("Gcp", RangeFixtures.Aws, "prefixes[0]: has neither ipv4Prefix nor ipv6Prefix")]
    [InlineData("Gcp", RangeFixtures.Azure, "prefixes: required array is missing")]
    [InlineData("Azure", RangeFixtures.Aws, "values: required array is missing")]
    [InlineData("Azure", RangeFixtures.Gcp, "values: required array is missing")]
    public void A_file_in_another_format_is_rejected(string format, string fixture, string expectedMessage)
    {
        using var stream = RangeFixtures.Open(fixture);

        var error = Assert.Throws<RangeFormatException>(() => RangeParser.Parse(Enum.Parse<RangeFormat>(format), stream, "cloud"));

        Assert.Equal(expectedMessage, error.Message);
    }

    [Fact]
    public void Unknown_format_is_an_argument_error()
    {
        using var stream = RangeFixtures.Open(RangeFixtures.Aws);

        Assert.Throws<ArgumentOutOfRangeException>(() => RangeParser.Parse((RangeFormat)99, stream, "cloud"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Cloud_name_is_required(string? cloud)
    {
        using var stream = RangeFixtures.Open(RangeFixtures.Aws);

        Assert.ThrowsAny<ArgumentException>(() => RangeParser.Parse(RangeFormat.Aws, stream, cloud!));
    }
}
