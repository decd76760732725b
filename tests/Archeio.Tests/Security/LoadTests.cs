using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 6 in CI: a bounded wrk run (64 connections, 10 s) of the mixed requests of
/// <c>bench/lib/mixed.lua</c> — blobs (GET, HEAD) half held by the mirror and half not, manifests by tag and digest, tags
/// lists, referrers, from clients in AWS, GCP, Azure and no cloud over IPv4, IPv6 and IPv4-mapped IPv6 — against the
/// real server process with the real range files. Every answer must be a 307 to the upstream or the mirror: no socket
/// error, no other status, no other Location; and the server is still up and serving after. The 60-second run and the
/// 10-minute soak with RSS are <c>bench/load.sh</c> and <c>bench/soak.sh</c>.
/// </summary>
public sealed partial class LoadTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private LoopbackMirror _mirror = null!;
    private TempConfig _config = null!;
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        _mirror = await LoopbackMirror.StartAsync();
        // The script's 64 digests are sha256:0…0001 to sha256:0…0040; the mirror holds the even ones.
        for (var i = 2; i <= 64; i += 2)
        {
            _mirror.Add("sha256:" + new string('0', 60) + i.ToString("x4", CultureInfo.InvariantCulture));
        }

        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example", ["Path"] = "images" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "mirror", ["BlobUrl"] = _mirror.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "GCP" }, ["Mirrors"] = new JsonArray() },
                new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("mirror") }),
            ["ClientIp"] = new JsonObject { ["ForwardedForSkip"] = 1 },
            ["Logging"] = new JsonObject { ["AccessSampleRate"] = 0 },
        });
        _server = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
    }

    public void Dispose() => _config?.Dispose();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _mirror.DisposeAsync();
    }

    [Fact]
    public async Task Sixty_four_connections_of_mixed_requests_get_only_expected_redirects()
    {
        var script = Path.Combine(Tools.RepositoryRoot, "bench", "lib", "mixed.lua");
        var allowed = $"{_mirror.BaseUrl}/containers/images/,https://upstream.example/v2/images/";

        var wrk = await Commands.RunAsync(
            "wrk",
            ["-t2", "-c64", "-d10s", "--timeout", "5s", "-s", script, _server.BaseAddress.ToString()],
            TimeSpan.FromSeconds(60),
            new Dictionary<string, string> { ["ALLOWED"] = allowed });
        output.WriteLine(wrk.StandardOutput);

        wrk.EnsureSuccess();
        var mixed = MixedLine().Match(wrk.StandardOutput);
        Assert.True(mixed.Success, "no summary line from mixed.lua:\n" + wrk.StandardOutput);
        Assert.DoesNotContain("Socket errors", wrk.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Non-2xx or 3xx", wrk.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("0", mixed.Groups["unexpected"].Value);
        Assert.Equal("0", mixed.Groups["bad"].Value);
        // Loaded 2-core machines still do thousands per second; a run that did next to nothing proves nothing.
        Assert.True(int.Parse(mixed.Groups["responses"].Value, CultureInfo.InvariantCulture) > 5_000, mixed.Value);
        // Both kinds of blob answer were exercised: the mirror saw HEADs for the digests it holds and for the others.
        Assert.Contains(_mirror.Requests, r => r.StartsWith("HEAD /containers/images/sha256:", StringComparison.Ordinal));

        Assert.False(_server.Process.HasExited);
        using var http = new HttpClient { BaseAddress = _server.BaseAddress };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("/v2/", UriKind.Relative))).StatusCode);
    }

    [GeneratedRegex(@"^mixed: responses=(?<responses>\d+) unexpected_status=(?<unexpected>\d+) bad_location=(?<bad>\d+)", RegexOptions.Multiline)]
    private static partial Regex MixedLine();
}
