using System.Text.Json.Nodes;

namespace Archeio.Tests.Security;

/// <summary>
/// The configurations the open-redirect properties run against: several mirrors on different hosts, ports and path
/// prefixes (one with a query after <c>{digest}</c>, one scoped by repository), an upstream with a base path and a
/// repository path, a signature upstream, a regional upstream, and rules for AWS eu-west-3, the rest of AWS, GCP
/// and everyone else (with a split), so that every kind of redirect is reached.
/// </summary>
internal static class OpenRedirectConfig
{
    public const string InfoUrl = "https://info.example/about";
    public const string PrivacyUrl = "https://legal.example:8443/privacy/policy";

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ranges", name);

    /// <summary>For the test host: mirrors on hosts that are never contacted (the presence is a fake).</summary>
    public static JsonObject InProcess() => Build(
        [
            ("a", "https://mirror-a.example/containers/images/{digest}"),
            ("b", "http://mirror-b.example:8080/bucket/path/{digest}"),
            ("c", "https://cdn.example/blobs/{digest}?sig=1"),
            ("d", "https://registry-mirror.example/v2/{name}/blobs/{digest}"),
        ],
        awsEuWest3: ["a", "b"],
        aws: ["b", "upstream"],
        gcp: ["signature-upstream", "c"],
        everyone: ["c", "d", "a"]);

    /// <summary>For the real process: mirrors on loopback servers (HEAD checks really happen), no upstream checks.</summary>
    public static JsonObject Process(string mirrorOne, string mirrorTwo) => Build(
        [
            ("a", mirrorOne + "/containers/images/{digest}"),
            ("b", mirrorTwo + "/bucket/path/{digest}"),
            ("c", mirrorTwo + "/other/{digest}?sig=1"),
        ],
        awsEuWest3: ["a", "b"],
        aws: ["b"],
        gcp: ["c"],
        everyone: ["c", "a"]);

    private static JsonObject Build((string Name, string BlobUrl)[] mirrors, string[] awsEuWest3, string[] aws, string[] gcp, string[] everyone) => new()
    {
        ["InfoUrl"] = InfoUrl,
        ["PrivacyUrl"] = PrivacyUrl,
        ["Upstream"] = new JsonObject
        {
            ["Endpoint"] = "https://upstream.example/base",
            ["Path"] = "project/images",
            ["SignatureEndpoint"] = "https://sigs.example",
            ["SignaturePath"] = "signed",
        },
        ["Upstreams"] = new JsonArray(new JsonObject { ["Name"] = "europe", ["Endpoint"] = "https://eu.upstream.example:4443", ["Path"] = "eu/images" }),
        ["Ranges"] = new JsonArray(
            new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = Fixture("aws-ip-ranges.json") },
            new JsonObject { ["Cloud"] = "GCP", ["Format"] = "gcp", ["Source"] = Fixture("gcp-cloud.json") }),
        ["Mirrors"] = new JsonArray([.. mirrors.Select(m => (JsonNode)new JsonObject { ["Name"] = m.Name, ["BlobUrl"] = m.BlobUrl })]),
        ["Rules"] = new JsonArray(
            Rule(new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") }, awsEuWest3),
            Rule(new JsonObject { ["Cloud"] = "AWS" }, aws, upstream: "europe"),
            Rule(new JsonObject { ["Cloud"] = "GCP" }, gcp),
            Rule(new JsonObject(), everyone, split: "b")),
        ["Debug"] = new JsonObject { ["RouteHeader"] = true },
    };

    private static JsonObject Rule(JsonObject match, string[] mirrors, string? upstream = null, string? split = null)
    {
        var rule = new JsonObject { ["Match"] = match, ["Mirrors"] = new JsonArray([.. mirrors.Select(m => (JsonNode)JsonValue.Create(m))]) };
        if (upstream is not null)
        {
            rule["Upstream"] = upstream;
        }

        if (split is not null)
        {
            rule["Split"] = new JsonArray(new JsonObject { ["Mirror"] = split, ["Percent"] = 30 });
        }

        return rule;
    }
}
