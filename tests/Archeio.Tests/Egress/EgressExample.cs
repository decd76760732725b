using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Archeio.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;
using Archeio.Tests.Support;

namespace Archeio.Tests.Egress;

/// <summary>
/// The configuration the egress tests share: a proxying rule for a corporate network, a cloud rule with a split and a
/// failover list, a rule whose candidates are upstreams (one a signature upstream), upstreams with storage redirects,
/// a signature endpoint that other upstreams' cosign tags fall back to, and no catch-all (so clients no rule fits).
/// </summary>
internal static class EgressExample
{
    public static string AwsRanges => Path.Combine(AppContext.BaseDirectory, "Fixtures", "Ranges", "aws-ip-ranges.json");

    public static JsonObject Archeio() => new()
    {
        ["InfoUrl"] = "https://info.example/",
        ["PrivacyUrl"] = "https://info.example/privacy",
        ["Upstream"] = new JsonObject
        {
            ["Endpoint"] = "https://main.example",
            ["Path"] = "images",
            ["SignatureEndpoint"] = "https://sig.example",
            ["RedirectHosts"] = new JsonArray("Storage.Main.example"),
        },
        ["Upstreams"] = new JsonArray(
            new JsonObject
            {
                ["Name"] = "second",
                ["Endpoint"] = "https://second.example:8443",
                ["SignatureEndpoint"] = "https://sig.second.example",
                ["RedirectHosts"] = new JsonArray("blobs.second.example:9443"),
            },
            new JsonObject { ["Name"] = "third", ["Endpoint"] = "http://third.example" }),
        ["UpstreamFailover"] = new JsonArray("third", "default"),
        ["Ranges"] = new JsonArray(new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = AwsRanges }),
        ["Mirrors"] = new JsonArray(
            new JsonObject { ["Name"] = "s3", ["BlobUrl"] = "https://s3.example/containers/images/{digest}", ["ManifestUrl"] = "https://manifests.example/{digest}" },
            new JsonObject { ["Name"] = "eu", ["BlobUrl"] = "https://eu.example/{name}/blobs/{digest}" },
            new JsonObject { ["Name"] = "canary", ["BlobUrl"] = "https://canary.example/b?d={digest}" }),
        ["Rules"] = new JsonArray(
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("10.0.0.0/8") },
                ["Action"] = "Proxy",
                ["Mirrors"] = new JsonArray("s3"),
            },
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") },
                ["Mirrors"] = new JsonArray("eu", "s3"),
                ["Split"] = new JsonArray(new JsonObject { ["Mirror"] = "canary", ["Percent"] = 10 }),
                ["Upstreams"] = new JsonArray("default", "second"),
            },
            new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("192.0.2.0/24", "2001:db8::/32") },
                ["Mirrors"] = new JsonArray("signature-upstream", "upstream"),
                ["Upstreams"] = new JsonArray("second"),
            }),
    };

    /// <summary>
    /// <see cref="Archeio"/> with no failover list of two or more: nothing is probed, so a host started on it sends no
    /// request to the example upstreams (tests stay on loopback). Rule 1's clients then use <c>default</c> alone.
    /// </summary>
    public static JsonObject WithoutProbes()
    {
        var archeio = Archeio();
        archeio.Remove("UpstreamFailover");
        archeio["Rules"]![1]!.AsObject().Remove("Upstreams");
        return archeio;
    }

    public static ArcheioSettings Settings(JsonObject? archeio = null)
    {
        var json = new JsonObject { ["Archeio"] = archeio ?? Archeio() }.ToJsonString();
        return ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build());
    }

    /// <summary>
    /// A request on the test server with path and query as Kestrel would split them (<see cref="ArcheioFactory.SendRawAsync"/>
    /// always sets the path <c>/</c>), a Host, a peer, headers, and the local port (the operations port's dispatch).
    /// </summary>
    public static Task<HttpContext> SendAsync(
        ArcheioFactory factory, string method, string pathAndQuery, IPAddress? peer = null, int? localPort = null, params (string Name, string Value)[] headers)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        return factory.Server.SendAsync(context =>
        {
            context.Request.Method = method;
            context.Request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
            context.Request.QueryString = new QueryString(query < 0 ? "" : pathAndQuery[query..]);
            context.Request.Host = new HostString("registry.example");
            context.Request.Scheme = "https";
            context.Connection.RemoteIpAddress = peer ?? IPAddress.Parse("198.51.100.7");
            if (localPort is { } port)
            {
                context.Connection.LocalPort = port;
            }

            foreach (var (name, value) in headers)
            {
                context.Request.Headers[name] = StringValues.Concat(context.Request.Headers[name], value);
            }
        });
    }

    public static async Task<string> BodyOf(HttpContext context)
    {
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }
}
