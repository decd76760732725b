using System.Text.Json.Nodes;

namespace Archeio.Tests.Egress;

/// <summary>
/// A realistic configuration for the page a browser renders (and docs/images/egress.png): registry.k8s.io-style S3
/// mirrors per AWS region, a corporate network 10.0.0.0/8 that is proxied, a European rule with its own upstream
/// failover, and a lab rule (with the loopback network, so that the browser on this machine fits it) with a split.
/// </summary>
internal static class EgressShowcase
{
    public const string Central = "prod-registry-k8s-io-eu-central-1.s3.dualstack.eu-central-1.amazonaws.com:443";
    public const string Paris = "prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com:443";

    public static JsonObject Archeio() => new()
    {
        ["InfoUrl"] = "https://github.com/kubernetes/registry.k8s.io",
        ["PrivacyUrl"] = "https://www.linuxfoundation.org/privacy-policy/",
        ["Upstream"] = new JsonObject
        {
            ["Endpoint"] = "https://us-central1-docker.pkg.dev",
            ["Path"] = "k8s-artifacts-prod/images",
            ["RedirectHosts"] = new JsonArray("storage.googleapis.com"),
        },
        ["Upstreams"] = new JsonArray(new JsonObject
        {
            ["Name"] = "europe",
            ["Endpoint"] = "https://europe-west1-docker.pkg.dev",
            ["Path"] = "k8s-artifacts-prod/images",
            ["RedirectHosts"] = new JsonArray("storage.googleapis.com"),
        }),
        ["UpstreamFailover"] = new JsonArray("default", "europe"),
        ["Ranges"] = new JsonArray(new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = EgressExample.AwsRanges }),
        ["Mirrors"] = new JsonArray(
            Mirror("us-east-1"),
            Mirror("eu-west-3"),
            Mirror("eu-central-1")),
        ["Rules"] = new JsonArray(
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("10.0.0.0/8") },
                ["Action"] = "Proxy",
                ["Mirrors"] = new JsonArray("aws-eu-central-1"),
            },
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("us-east-1") },
                ["Mirrors"] = new JsonArray("aws-us-east-1"),
            },
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3", "eu-central-1") },
                ["Mirrors"] = new JsonArray("aws-eu-west-3", "aws-eu-central-1"),
                ["Upstreams"] = new JsonArray("europe", "default"),
            },
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("192.168.0.0/16", "127.0.0.0/8") },
                ["Mirrors"] = new JsonArray("aws-eu-central-1"),
                ["Split"] = new JsonArray(new JsonObject { ["Mirror"] = "aws-eu-west-3", ["Percent"] = 10 }),
            }),
    };

    private static JsonObject Mirror(string region) => new()
    {
        ["Name"] = "aws-" + region,
        ["BlobUrl"] = $"https://prod-registry-k8s-io-{region}.s3.dualstack.{region}.amazonaws.com/containers/images/{{digest}}",
    };
}
