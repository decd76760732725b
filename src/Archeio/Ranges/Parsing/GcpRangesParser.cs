using System.Net.Sockets;
using Archeio.Ranges.Table;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// Reads Google Cloud <c>cloud.json</c> (https://www.gstatic.com/ipranges/cloud.json), described at
/// https://cloud.google.com/compute/docs/faq#find_ip_range.
/// </summary>
/// <remarks>
/// Each <c>prefixes[]</c> entry carries exactly one of <c>ipv4Prefix</c> or <c>ipv6Prefix</c>, and
/// <c>scope</c>, which is the region (e.g. <c>europe-north1</c>). Only <c>cloud.json</c> is meant here:
/// <c>goog.json</c> (all Google address space, no scope) is a different list that says nothing about
/// where a customer workload runs.
/// </remarks>
internal static class GcpRangesParser
{
    private const string ArrayPath = "prefixes";

    public static IReadOnlyList<CloudPrefix> Parse(Stream utf8Json, string cloud)
    {
        ArgumentException.ThrowIfNullOrEmpty(cloud);
        using var document = RangeJson.Parse(utf8Json);
        var root = RangeJson.RootObject(document);
        var prefixes = RangeJson.RequiredArray(root, ArrayPath, ArrayPath);

        var result = new List<CloudPrefix>(prefixes.GetArrayLength());
        var locations = new Dictionary<string, CloudLocation>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in prefixes.EnumerateArray())
        {
            var at = new JsonItemPath(ArrayPath, index);
            RangeJson.ItemObject(item, at);
            var v4 = RangeJson.OptionalString(item, "ipv4Prefix", at);
            var v6 = RangeJson.OptionalString(item, "ipv6Prefix", at);
            var network = (v4, v6) switch
            {
                (not null, null) => RangeJson.Prefix(v4, AddressFamily.InterNetwork, at, "ipv4Prefix"),
                (null, not null) => RangeJson.Prefix(v6, AddressFamily.InterNetworkV6, at, "ipv6Prefix"),
                (null, null) => throw new RangeFormatException(
                    $"{at}: has neither ipv4Prefix nor ipv6Prefix"),
                _ => throw new RangeFormatException(
                    $"{at}: has both ipv4Prefix and ipv6Prefix"),
            };
            var region = RangeJson.RequiredString(item, "scope", at);
            result.Add(new CloudPrefix(network, RangeJson.Location(locations, cloud, region)));
            index++;
        }

        return result;
    }
}
