using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using Archeio.Hosting;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Hosting;

/// <summary>
/// What <c>archeio explain --check</c> prints is what the server answers: for a table of clients (by cloud, by
/// rule, with and without a split) and paths (blobs held by the second candidate, by none, manifests, tags with a
/// query, signatures, the API base), the explanation's last line names the server's very answer. Both ask the same
/// loopback mirrors through the same <c>RequestRouter</c>.
/// </summary>
public sealed class ExplainMatchesServerTests : IAsyncLifetime, IAsyncDisposable
{
    private const string Missing = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private LoopbackMirror _mirror = null!;
    private int _disposed;
    private TempConfig _config = null!;
    private ArcheioFactory _server = null!;

    private readonly Hashtable _environment = new() { ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory };

    /// <summary>Columns: client address, path.</summary>
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        string[] clients = ["35.180.1.1", "35.220.26.1", "192.0.2.10", "198.51.100.77", "2600:1f18::1"];
        string[] paths =
        [
            "/v2/pause/blobs/" + Digests.Pause,
            "/v2/pause/blobs/" + Missing + "?x=1",
            "/v2/pause/manifests/3.10",
            "/v2/pause/tags/list?n=2&last=a",
            "/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sig",
            "/v2/",
            "/",
        ];
        foreach (var client in clients)
        {
            foreach (var path in paths)
            {
                data.Add(client, path);
            }
        }

        return data;
    }

    public async Task InitializeAsync()
    {
        _mirror = await LoopbackMirror.StartAsync();
        _mirror.Add(Digests.Pause);
        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["Path"] = "images", ["SignatureEndpoint"] = "https://sig.example" },
            ["Upstreams"] = new JsonArray(new JsonObject { ["Name"] = "gcp", ["Endpoint"] = "https://gcp-upstream.example", ["Path"] = "p" }),
            ["Mirrors"] = new JsonArray(
                new JsonObject { ["Name"] = "empty", ["BlobUrl"] = _mirror.BaseUrl + "/elsewhere/{digest}" },
                new JsonObject { ["Name"] = "full", ["BlobUrl"] = _mirror.BlobUrlTemplate },
                new JsonObject { ["Name"] = "by-repository", ["BlobUrl"] = _mirror.BaseUrl + "/{name}/x/{digest}" }),
            ["Rules"] = new JsonArray(
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") }, ["Mirrors"] = new JsonArray("empty", "full") },
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "GCP" }, ["Mirrors"] = new JsonArray(), ["Upstream"] = "gcp" },
                new JsonObject
                {
                    ["Match"] = new JsonObject(),
                    ["Mirrors"] = new JsonArray("by-repository", "full"),
                    ["Split"] = new JsonArray(new JsonObject { ["Mirror"] = "full", ["Percent"] = 50 }),
                }),
        });
        _server = new ArcheioFactory(_config.Path, _environment);
        _ = _server.Server;
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _server.DisposeAsync();
        _config.Dispose();
        await _mirror.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Explain_prints_the_answer_the_server_gives(string client, string path)
    {
        var context = await _server.SendRawAsync("GET", path, IPAddress.Parse(client));
        var response = context.Response;
        var (code, output, error) = await ExplainAsync(client, path);

        Assert.True(code == 0, error);
        var last = output.TrimEnd().Split('\n')[^1];
        var expected = response.StatusCode switch
        {
            StatusCodes.Status307TemporaryRedirect => "redirect: 307 " + response.Headers.Location,
            StatusCodes.Status200OK => "answer: 200 (API version check)",
            var status => $"answer: {status}",
        };
        Assert.StartsWith(expected, last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_table_reaches_a_mirror_a_fallback_and_every_kind_of_answer()
    {
        // Without this, the theory above could pass on a table where everything goes upstream.
        var held = await _server.SendRawAsync("GET", "/v2/pause/blobs/" + Digests.Pause, IPAddress.Parse("35.180.1.1"));
        var missing = await _server.SendRawAsync("GET", "/v2/pause/blobs/" + Missing, IPAddress.Parse("35.180.1.1"));
        var gcp = await _server.SendRawAsync("GET", "/v2/pause/blobs/" + Digests.Pause, IPAddress.Parse("35.220.26.1"));

        Assert.Equal(_mirror.BaseUrl + "/containers/images/" + Digests.Pause, held.Response.Headers.Location);
        Assert.Equal("https://upstream.example/v2/images/pause/blobs/" + Missing, missing.Response.Headers.Location);
        Assert.Equal("https://gcp-upstream.example/v2/p/pause/blobs/" + Digests.Pause, gcp.Response.Headers.Location);
    }

    private async Task<(int Code, string Output, string Error)> ExplainAsync(string client, string path)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ExplainCommand.RunAsync(CommandLine.Parse(["explain", client, path, "--config", _config.Path, "--check"]), _environment, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
