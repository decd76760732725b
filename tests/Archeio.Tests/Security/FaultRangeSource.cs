using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Ranges.Loading;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Security;

/// <summary>
/// What the range fault tests share: a range URL (<see cref="RangeServer"/>) that misbehaves in a named way, a config
/// whose AWS clients get the mirror <c>aws</c> and everyone else the upstream, and a blob request from an AWS address.
/// </summary>
internal static class FaultRangeSource
{
    /// <summary>An address inside <see cref="GoodBody"/>'s one prefix.</summary>
    public const string AwsClient = "15.181.7.9";

    public static readonly string GoodBody = RangeFixtures.AwsText(("15.181.0.0/16", "eu-west-3"));

    /// <summary>Makes <paramref name="server"/> answer in the named bad way.</summary>
    public static void Misbehave(RangeServer server, string kind)
    {
        server.Misbehave = kind switch
        {
            "hang" => RangeServer.Hang,
            "500" => ServerError,
            "html" => context => context.Response.WriteAsync("<html><body>Service Unavailable</body></html>"),
            "empty" => _ => Task.CompletedTask,
            "binary" => context => context.Response.Body.WriteAsync(new byte[] { 0xff, 0xfe, 0x00, 0x7b, 0x80, 0x81 }).AsTask(),
            "wrong shape" => context => context.Response.WriteAsync("""{ "prefixes": "all of them" }"""),
            "truncated" => RangeServer.Truncate(GoodBody),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such misbehaviour"),
        };
    }

    private static Task ServerError(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        return Task.CompletedTask;
    }

    public static TempConfig Config(string rangeUrl, string mirrorBlobUrl, TimeSpan fetchTimeout, string? cacheDirectory = null)
    {
        var refresh = new JsonObject { ["FetchTimeout"] = fetchTimeout.ToString("c", System.Globalization.CultureInfo.InvariantCulture) };
        if (cacheDirectory is not null)
        {
            refresh["CacheDirectory"] = cacheDirectory;
        }

        return new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = FaultBed.Upstream },
            // The test client is the load balancer's only hop: the rightmost X-Forwarded-For entry is the client.
            ["ClientIp"] = new JsonObject { ["ForwardedForSkip"] = 0 },
            ["Ranges"] = new JsonArray(new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = rangeUrl }),
            ["RangesRefresh"] = refresh,
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "aws", ["BlobUrl"] = mirrorBlobUrl }),
            ["Rules"] = new JsonArray(
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "AWS" }, ["Mirrors"] = new JsonArray("aws") },
                new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray() }),
        });
    }

    /// <summary>A blob request from <see cref="AwsClient"/>; returns the access log's decision and cloud.</summary>
    public static async Task<(string Decision, string Cloud)> GetBlobAsAwsClientAsync(HttpClient http, ServerProcess server, string digest)
    {
        var mark = server.StandardOutput.Count;
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/pause/blobs/" + digest));
        request.Headers.Add("X-Forwarded-For", AwsClient);
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.TemporaryRedirect, response.StatusCode);
        string? cloud = null;
        await Eventually.TrueAsync(
            () =>
            {
                cloud = server.StandardOutput.Skip(mark)
                    .Where(line => line.StartsWith('{'))
                    .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement)
                    .Where(e => e.GetProperty("EventId").GetInt32() == 1)
                    .Select(e => e.GetProperty("State").GetProperty("Cloud").GetString())
                    .FirstOrDefault();
                return cloud is not null;
            },
            "an access-log line");
        var (decision, _) = (await FaultBed.AccessEntriesAsync(server, mark, 1))[0];
        return (decision, cloud!);
    }
}
