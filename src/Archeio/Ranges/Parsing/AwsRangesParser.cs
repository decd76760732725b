using System.Net.Sockets;
using System.Text.Json;
using Archeio.Ranges.Table;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// Reads AWS <c>ip-ranges.json</c>, documented at
/// https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-ranges.html (syntax:
/// https://docs.aws.amazon.com/vpc/latest/userguide/aws-ip-syntax.html).
/// </summary>
/// <remarks>
/// The file lists IPv4 blocks in <c>prefixes[].ip_prefix</c> and IPv6 blocks in
/// <c>ipv6_prefixes[].ipv6_prefix</c>, each with a <c>region</c>. The same block is listed once per
/// service (<c>AMAZON</c> is the superset, <c>EC2</c>, <c>S3</c>, ... repeat parts of it), so entries are
/// returned as listed and <see cref="IpRangeTable"/> collapses the duplicates. Region <c>GLOBAL</c> marks
/// blocks not tied to a region (CloudFront and similar); more specific regional blocks can sit inside them.
/// Both arrays are always present in the published file, so a missing one means a broken download.
/// </remarks>
internal static class AwsRangesParser
{
    public static IReadOnlyList<CloudPrefix> Parse(Stream utf8Json, string cloud)
    {
        ArgumentException.ThrowIfNullOrEmpty(cloud);
        using var document = RangeJson.Parse(utf8Json);
        var root = RangeJson.RootObject(document);
        var v4 = RangeJson.RequiredArray(root, "prefixes", "prefixes");
        var v6 = RangeJson.RequiredArray(root, "ipv6_prefixes", "ipv6_prefixes");

        var result = new List<CloudPrefix>(v4.GetArrayLength() + v6.GetArrayLength());
        var locations = new Dictionary<string, CloudLocation>(StringComparer.Ordinal);
        Read(v4, "prefixes", "ip_prefix", AddressFamily.InterNetwork, cloud, locations, result);
        Read(v6, "ipv6_prefixes", "ipv6_prefix", AddressFamily.InterNetworkV6, cloud, locations, result);
        return result;
    }

    private static void Read(
        JsonElement array,
        string arrayPath,
        string prefixField,
        AddressFamily family,
        string cloud,
        Dictionary<string, CloudLocation> locations,
        List<CloudPrefix> result)
    {
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            var at = new JsonItemPath(arrayPath, index);
            RangeJson.ItemObject(item, at);
            var text = RangeJson.RequiredString(item, prefixField, at);
            var region = RangeJson.RequiredString(item, "region", at);
            var network = RangeJson.Prefix(text, family, at, prefixField);
            result.Add(new CloudPrefix(network, RangeJson.Location(locations, cloud, region)));
            index++;
        }
    }
}
