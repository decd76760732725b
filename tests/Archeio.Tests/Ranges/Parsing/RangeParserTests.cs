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
    [InlineData("Aws", RangeFixtures.Aws)]
    [InlineData("Gcp", RangeFixtures.Gcp)]
    [InlineData("Azure", RangeFixtures.Azure)]
    public void A_body_in_memory_is_parsed_where_it_is_not_copied_through_the_stream_with_the_same_result(string format, string fixture)
    {
        using var file = RangeFixtures.Open(fixture);
        var json = new MemoryStream();
        file.CopyTo(json);
        // The loader's shape: a buffer larger than the body, read from an offset, publicly visible.
        var padded = new byte[json.Length + 16];
        json.ToArray().CopyTo(padded, 7);
        using var inMemory = new MemoryStream(padded, 7, (int)json.Length, writable: false, publiclyVisible: true);
        using var streamed = new BufferedStream(new MemoryStream(json.ToArray()));

        var fromMemory = RangeParser.Parse(Enum.Parse<RangeFormat>(format), inMemory, "cloud");
        var fromStream = RangeParser.Parse(Enum.Parse<RangeFormat>(format), streamed, "cloud");

        Assert.NotEmpty(fromMemory);
        // Not read through the stream (which copies the whole JSON into a pooled buffer): its position has not moved.
        Assert.Equal(0, inMemory.Position);
        Assert.Equal(fromStream.Select(p => p.ToString()), fromMemory.Select(p => p.ToString()));
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
