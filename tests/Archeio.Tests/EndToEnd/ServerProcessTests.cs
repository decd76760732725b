using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// The real server process with the real cloud ranges (<c>ARCHEIO_RANGES_DIR</c>) and real HTTP
/// servers on loopback standing in for the mirrors, over real sockets.
/// </summary>
public sealed class ServerProcessTests : IAsyncLifetime, IDisposable
{
    private LoopbackMirror _paris = null!;
    private LoopbackMirror _cdn = null!;
    private TempConfig _config = null!;
    private ServerProcess _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _paris = await LoopbackMirror.StartAsync();
        _cdn = await LoopbackMirror.StartAsync();
        _paris.Add(Digests.Pause);
        _cdn.Add(Digests.Pause);
        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["Path"] = "images", ["SignatureEndpoint"] = "https://sig.example" },
            ["Mirrors"] = new JsonArray(
                new JsonObject { ["Name"] = "paris", ["BlobUrl"] = _paris.BlobUrlTemplate },
                new JsonObject { ["Name"] = "cdn", ["BlobUrl"] = _cdn.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "GCP" }, ["Mirrors"] = new JsonArray() },
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") }, ["Mirrors"] = new JsonArray("paris") },
                new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("cdn") }),
        });
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };
    }

    public void Dispose()
    {
        _http?.Dispose();
        _config?.Dispose();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _paris.DisposeAsync();
        await _cdn.DisposeAsync();
    }

    /// <summary>Columns: path, X-Forwarded-For (the process sees 127.0.0.1 as the peer), expected Location.</summary>
    public static TheoryData<string, string?, string> Cases => new()
    {
        // Client in AWS eu-west-3 (behind a Google-style load balancer): the Paris mirror holds the blob.
        { "/v2/pause/blobs/" + Digests.Pause, "35.180.1.1, 127.0.0.1", "{paris}/containers/images/" + Digests.Pause },
        // The Paris mirror does not hold this one: upstream.
        { "/v2/pause/blobs/" + Digests.Missing, "35.180.1.1, 127.0.0.1", "https://upstream.example/v2/images/pause/blobs/" + Digests.Missing },
        // GCP client: upstream without a check.
        { "/v2/pause/blobs/" + Digests.Pause, "35.220.26.1, 127.0.0.1", "https://upstream.example/v2/images/pause/blobs/" + Digests.Pause },
        // The peer itself (127.0.0.1, in no cloud): the catch-all rule's mirror.
        { "/v2/pause/blobs/" + Digests.Pause, null, "{cdn}/containers/images/" + Digests.Pause },
        { "/v2/pause/tags/list?n=2&last=a", null, "https://upstream.example/v2/images/pause/tags/list?n=2&last=a" },
        { "/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sig", null, "https://sig.example/v2/images/pause/manifests/sha256-" + Digests.PauseHex + ".sig" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Redirects_over_a_real_socket(string path, string? forwardedFor, string expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(expected.Replace("{paris}", _paris.BaseUrl, StringComparison.Ordinal).Replace("{cdn}", _cdn.BaseUrl, StringComparison.Ordinal), response.Headers.Location?.OriginalString);
        Assert.Equal("private, no-store", response.Headers.NonValidated["Cache-Control"].ToString());
    }

    [Fact]
    public async Task Dot_segments_are_rejected_over_the_wire()
    {
        // HttpClient would remove the dot segments itself; send the target as written.
        var uri = new Uri(_server.BaseAddress + "v2/pause/../etcd/manifests/latest", new UriCreationOptions { DangerousDisablePathAndQueryCanonicalization = true });

        using var response = await _http.GetAsync(uri);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("NAME_INVALID", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_one_structured_access_log_line_per_request()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/v2/pause/blobs/" + Digests.Pause);
        request.Headers.Add("X-Forwarded-For", "35.180.1.1, 127.0.0.1");
        using var response = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);

        // The line is written after the response; give the process a bounded time to flush it.
        JsonElement? state = null;
        for (var attempt = 0; attempt < 100 && state is null; attempt++)
        {
            state = _server.StandardOutput
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Where(e => e.GetProperty("EventId").GetInt32() == 1 && e.GetProperty("State").GetProperty("Method").GetString() == "HEAD")
                .Select(e => (JsonElement?)e.GetProperty("State"))
                .FirstOrDefault();
            if (state is null)
            {
                await Task.Delay(50);
            }
        }

        Assert.NotNull(state);
        var s = state.Value;
        Assert.Equal("/v2/pause/blobs/" + Digests.Pause, s.GetProperty("Path").GetString());
        Assert.Equal(307, s.GetProperty("Status").GetInt32());
        Assert.Equal("35.180.1.1", s.GetProperty("ClientIp").GetString());
        Assert.Equal("AWS", s.GetProperty("Cloud").GetString());
        Assert.Equal("eu-west-3", s.GetProperty("Region").GetString());
        Assert.Equal("mirror:paris", s.GetProperty("Decision").GetString());
        Assert.Equal(new Uri(_paris.BaseUrl).Authority, s.GetProperty("TargetHost").GetString());
        Assert.True(s.GetProperty("DurationMs").GetDouble() >= 0);
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task Stops_gracefully_on_SIGTERM_and_SIGINT(string signal)
    {
        _server.Terminate(signal);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _server.Process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, _server.Process.ExitCode);
    }
}
