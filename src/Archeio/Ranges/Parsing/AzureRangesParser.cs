using Archeio.Ranges.Table;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// Reads the Azure Service Tags JSON (<c>ServiceTags_Public_*.json</c>), described at
/// https://learn.microsoft.com/azure/virtual-network/service-tags-overview#discover-service-tags-by-using-downloadable-json-files.
/// </summary>
/// <remarks>
/// Every <c>values[]</c> entry is a tag with <c>name</c>, <c>properties.region</c> and
/// <c>properties.addressPrefixes[]</c> (IPv4 and IPv6 mixed). Only the regional
/// <c>AzureCloud.&lt;region&gt;</c> tags are used: together they cover all of Azure's public space
/// with a region each. The global <c>AzureCloud</c> tag (empty region) is their union, and the
/// hundreds of service tags (<c>Storage.WestEurope</c>, <c>AzureFrontDoor.Backend</c>, ...) are
/// subsets, so reading them would only add duplicates, some without a region.
/// Ignored tags are not validated beyond <c>name</c> and <c>properties</c>, so a quirk in a service
/// tag we never use cannot break loading.
/// </remarks>
internal static class AzureRangesParser
{
    private const string ArrayPath = "values";
    private const string RegionalTagPrefix = "AzureCloud.";

    public static IReadOnlyList<CloudPrefix> Parse(Stream utf8Json, string cloud)
    {
        ArgumentException.ThrowIfNullOrEmpty(cloud);
        using var document = RangeJson.Parse(utf8Json);
        var root = RangeJson.RootObject(document);
        var values = RangeJson.RequiredArray(root, ArrayPath, ArrayPath);

        var result = new List<CloudPrefix>();
        var locations = new Dictionary<string, CloudLocation>(StringComparer.Ordinal);
        var index = 0;
        foreach (var item in values.EnumerateArray())
        {
            var at = new JsonItemPath(ArrayPath, index);
            RangeJson.ItemObject(item, at);
            var name = RangeJson.RequiredString(item, "name", at);
            var properties = RangeJson.RequiredObject(item, "properties", at);
            var propertiesAt = at with { Member = "properties" };
            var region = RangeJson.OptionalString(properties, "region", propertiesAt) ?? string.Empty;
            if (name.StartsWith(RegionalTagPrefix, StringComparison.Ordinal) && region.Length > 0)
            {
                var prefixesPath = propertiesAt.Property("addressPrefixes");
                var prefixes = RangeJson.RequiredArray(properties, "addressPrefixes", prefixesPath);
                var location = RangeJson.Location(locations, cloud, region);
                var prefixIndex = 0;
                foreach (var prefix in prefixes.EnumerateArray())
                {
                    var prefixAt = new JsonItemPath(prefixesPath, prefixIndex);
                    var text = RangeJson.ItemString(prefix, prefixAt);
                    result.Add(new CloudPrefix(RangeJson.Prefix(text, null, prefixAt, null), location));
                    prefixIndex++;
                }
            }

            index++;
        }

        return result;
    }
}
