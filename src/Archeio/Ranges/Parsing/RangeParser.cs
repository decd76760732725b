using Archeio.Ranges.Table;

namespace Archeio.Ranges.Parsing;

/// <summary>Reads a published range file in the given provider format.</summary>
internal static class RangeParser
{
    /// <summary>
    /// Parses <paramref name="utf8Json"/> as <paramref name="format"/>, labelling every prefix with
    /// <paramref name="cloud"/>. Entries are returned as listed (duplicates included); build an
    /// <see cref="IpRangeTable"/> from them to look addresses up.
    /// </summary>
    /// <exception cref="RangeFormatException">The file does not have the provider's documented shape.</exception>
    public static IReadOnlyList<CloudPrefix> Parse(RangeFormat format, Stream utf8Json, string cloud) => format switch
    {
        RangeFormat.Aws => AwsRangesParser.Parse(utf8Json, cloud),
        RangeFormat.Gcp => GcpRangesParser.Parse(utf8Json, cloud),
        RangeFormat.Azure => AzureRangesParser.Parse(utf8Json, cloud),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown range format"),
    };
}
