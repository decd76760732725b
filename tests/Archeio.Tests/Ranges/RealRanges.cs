using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges;

/// <summary>
/// The real provider files from <see cref="SharedData"/>, parsed once per test run: several test
/// classes need them and parsing ~4 MB of JSON per test would only slow the suite down.
/// </summary>
internal static class RealRanges
{
    public const string AwsFile = "aws-ip-ranges.json";
    public const string GcpFile = "gcp-cloud.json";
    public const string AzureFile = "azure-service-tags.json";

    public static IReadOnlyList<CloudPrefix> Aws { get => field ??= Parse(RangeFormat.Aws, AwsFile, "aws"); }

    public static IReadOnlyList<CloudPrefix> Gcp { get => field ??= Parse(RangeFormat.Gcp, GcpFile, "gcp"); }

    public static IReadOnlyList<CloudPrefix> Azure { get => field ??= Parse(RangeFormat.Azure, AzureFile, "azure"); }

    /// <summary>All three clouds, AWS first, then GCP, then Azure.</summary>
    public static IReadOnlyList<CloudPrefix> All { get => field ??= [.. Aws, .. Gcp, .. Azure]; }

    public static IpRangeTable Table { get => field ??= IpRangeTable.Build(All); }

    private static IReadOnlyList<CloudPrefix> Parse(RangeFormat format, string file, string cloud)
    {
        using var stream = File.OpenRead(SharedData.CloudRangesFile(file));
        return RangeParser.Parse(format, stream, cloud);
    }
}
