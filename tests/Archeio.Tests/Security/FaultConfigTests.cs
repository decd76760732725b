using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: the configuration file deleted, corrupted or replaced while the real process runs. The
/// server reads its configuration once (<c>--hostBuilder:reloadConfigOnChange=false</c> in <c>ArcheioHost.Build</c>,
/// <c>reloadOnChange: false</c> on the file): it keeps serving with its start-up settings and does not crash. A
/// restart with the broken file refuses to start, exit code 2, naming the file and why (docs/configuration.md:
/// "the server exits with status 2 without listening"). <c>EndToEnd/StartupTests</c> covers a truncated file.
/// </summary>
public sealed class FaultConfigTests
{
    /// <summary>
    /// How long the running server is watched after the change. A reloading JSON provider reacts within its 250 ms
    /// debounce of the file watcher's event; this is a window in which nothing may change, not a synchronisation.
    /// </summary>
    private static readonly TimeSpan Watch = TimeSpan.FromSeconds(2);

    /// <summary>Each change, and what a restart's error must say: the file's name (or the bad key) and the reason.</summary>
    public static TheoryData<string, string> Refusals => new()
    {
        { "deleted", "does not exist" },
        { "garbage", "is an invalid start of a value" },
        { "truncated", "Could not parse the JSON file. " },
        { "empty", "The input does not contain any JSON tokens" },
        { "array", "Top-level JSON element must be an object" },
        { "different", "Archeio:Uptream: unknown setting" },
    };

    [Theory]
    [InlineData("deleted")]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("empty")]
    [InlineData("array")]
    [InlineData("different")]
    public async Task A_config_file_changed_under_the_running_server_changes_nothing(string change)
    {
        var digest = BlobCheckerTests.Digest(9_800);
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(digest);
        var path = Path.Combine(Path.GetTempPath(), $"archeio-fault-config-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, Config(FaultBed.Upstream, mirror.BlobUrlTemplate).ToJsonString());
            await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = path });
            using var http = FaultBed.Client();
            await ExpectStartUpBehaviourAsync(http, server, mirror, digest);

            var mark = server.StandardOutput.Count;
            Change(path, change);
            var watch = Stopwatch.StartNew();
            var rounds = 0;
            do
            {
                await ExpectStartUpBehaviourAsync(http, server, mirror, digest);
                rounds++;
                // Each round is a real pair of requests; the pause only spreads them over the window.
                await Task.Delay(100);
            }
            while (watch.Elapsed < Watch);

            Assert.False(server.Process.HasExited, "the server exited after its config file changed");
            // Logging too keeps its start-up settings ("different" turns every log level to None): one access line
            // per request. (A reloading provider would apply that at once through the logger filter's options monitor.)
            await FaultBed.AccessEntriesAsync(server, mark, 2 * rounds);
            using var health = await http.GetAsync(new Uri(server.MetricsAddress, "/healthz"));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            Assert.DoesNotContain(server.StandardOutput, line => line.Contains("\"LogLevel\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"LogLevel\":\"Critical\"", StringComparison.Ordinal));
            Assert.Empty(server.StandardError);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task A_restart_with_the_changed_file_refuses_to_start_saying_why(string change, string reason)
    {
        var path = Path.Combine(Path.GetTempPath(), $"archeio-fault-config-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, Config(FaultBed.Upstream, "https://mirror.example/containers/images/{digest}").ToJsonString());
            Change(path, change);

            var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = path });

            Assert.Equal(2, exitCode);
            // A file that cannot be read is named; a readable one with a bad setting names the setting (the reason).
            if (change != "different")
            {
                Assert.Contains(Path.GetFileName(path), stderr, StringComparison.Ordinal);
            }

            Assert.Contains(reason, stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>The blob goes to the start-up mirror, a manifest to the start-up upstream.</summary>
    private static async Task ExpectStartUpBehaviourAsync(HttpClient http, ServerProcess server, LoopbackMirror mirror, string digest)
    {
        using (var blob = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/blobs/" + digest)))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, blob.StatusCode);
            Assert.Equal(mirror.BlobUrlTemplate.Replace("{digest}", digest, StringComparison.Ordinal), blob.Headers.Location?.OriginalString);
        }

        using var manifest = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/manifests/3.10"));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, manifest.StatusCode);
        Assert.Equal(FaultBed.Upstream + "/v2/pause/manifests/3.10", manifest.Headers.Location?.OriginalString);
    }

    private static void Change(string path, string change)
    {
        switch (change)
        {
            case "deleted":
                File.Delete(path);
                break;
            case "garbage":
                File.WriteAllBytes(path, [0xef, 0x00, 0xff, 0x13, 0x37, 0x80, 0x0a]);
                break;
            case "truncated":
                File.WriteAllText(path, File.ReadAllText(path)[..40]);
                break;
            case "empty":
                File.WriteAllText(path, string.Empty);
                break;
            case "array":
                File.WriteAllText(path, "[1, 2]");
                break;
            case "different":
                // Valid JSON, another upstream, no mirror, no logging, and one misspelt key: were it read, every
                // request would change (or the reload would fail).
                var other = Config("https://other.example", null);
                other["Archeio"]!["Uptream"] = new JsonObject();
                other["Logging"] = new JsonObject { ["LogLevel"] = new JsonObject { ["Default"] = "None" } };
                File.WriteAllText(path, other.ToJsonString());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "no such change");
        }
    }

    private static JsonObject Config(string upstream, string? mirrorBlobUrl)
    {
        var archeio = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = upstream },
        };
        if (mirrorBlobUrl is not null)
        {
            archeio["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "m", ["BlobUrl"] = mirrorBlobUrl });
            archeio["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("m") });
        }

        return new JsonObject { ["Archeio"] = archeio };
    }
}
