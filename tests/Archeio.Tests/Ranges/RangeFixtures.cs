namespace Archeio.Tests.Ranges;

/// <summary>Hand-written range files in each provider's format, copied next to the test assembly.</summary>
internal static class RangeFixtures
{
    public const string Aws = "aws-ip-ranges.json";
    public const string Gcp = "gcp-cloud.json";
    public const string Azure = "azure-service-tags.json";

    public static Stream Open(string name) =>
        File.OpenRead(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ranges", name));

    public static Stream Json(string json) => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json));

    /// <summary>
    /// A small AWS <c>ip-ranges.json</c> listing <paramref name="entries"/> (IPv4 or IPv6 prefix, region),
    /// for tests that change a source's content between loads.
    /// </summary>
    public static string AwsText(params (string Prefix, string Region)[] entries)
    {
        var v4 = entries.Where(e => !e.Prefix.Contains(':', StringComparison.Ordinal)).Select(e => AwsItem("ip_prefix", e));
        var v6 = entries.Where(e => e.Prefix.Contains(':', StringComparison.Ordinal)).Select(e => AwsItem("ipv6_prefix", e));
        return $$"""
            {
              "syncToken": "1785313625",
              "createDate": "2026-07-29-08-27-05",
              "prefixes": [{{string.Join(", ", v4)}}],
              "ipv6_prefixes": [{{string.Join(", ", v6)}}]
            }
            """;
    }

    private static string AwsItem(string field, (string Prefix, string Region) entry) =>
        $$"""{ "{{field}}": "{{entry.Prefix}}", "region": "{{entry.Region}}", "service": "AMAZON", "network_border_group": "{{entry.Region}}" }""";
}
