using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.Tests.TestBed;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// Blob checks of the real server process against real mirrors on loopback sockets. They time requests against the
/// check timeout, so they run alone with the other budget-timed tests (<see cref="Security.TimedFaultIsolation"/>).
/// </summary>
[Collection(Security.TimedFaultIsolation.Name)]
public sealed class BlobCheckTests
{
    [Fact]
    public async Task A_thousand_requests_for_a_hundred_new_digests_from_fifty_clients_send_a_hundred_HEADs()
    {
        await using var mirror = await LoopbackMirror.StartAsync();
        // Slow enough that many requests for one digest overlap: they must share its HEAD.
        mirror.Latency = TimeSpan.FromMilliseconds(50);
        var digests = Enumerable.Range(0, 100).Select(BlobCheckerTests.Digest).ToList();
        digests.ForEach(d => mirror.Add(d));
        using var config = MirrorConfig(mirror.BlobUrlTemplate, new JsonObject());
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 50 }) { BaseAddress = server.BaseAddress };

        var requests = Enumerable.Range(0, 1_000).Select(i => digests[i % 100]).ToList();
        var locations = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 50 }, async (digest, ct) =>
        {
            using var response = await http.GetAsync("/v2/pause/blobs/" + digest, ct);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
            locations.Add(response.Headers.Location!.OriginalString);
        });

        Assert.All(locations, l => Assert.StartsWith(mirror.BaseUrl, l, StringComparison.Ordinal));
        Assert.Equal(100, mirror.Requests.Count(r => r.StartsWith("HEAD ", StringComparison.Ordinal)));
        Assert.Equal(100, mirror.Requests.Distinct().Count());
    }

    [Fact]
    public async Task A_hanging_mirror_costs_at_most_the_timeout_and_nothing_once_its_breaker_opens()
    {
        await using var hanging = new HangingServer();
        var timeout = TimeSpan.FromMilliseconds(500);
        using var config = MirrorConfig(
            "http://127.0.0.1:" + hanging.Port.ToString(CultureInfo.InvariantCulture) + "/containers/images/{digest}",
            new JsonObject { ["Timeout"] = timeout.ToString("c", CultureInfo.InvariantCulture), ["BreakAfter"] = 3, ["BreakFor"] = "00:10:00" });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = server.BaseAddress };

        var mark = server.StandardOutput.Count;
        for (var i = 0; i < 10; i++)
        {
            using var response = await http.GetAsync("/v2/pause/blobs/" + BlobCheckerTests.Digest(1_000 + i));
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
            Assert.StartsWith("https://upstream.example/", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
            if (i == 2)
            {
                // The third HEAD's timeout opens the breaker, a moment after the request's own budget ended.
                await WaitForLineAsync(server, "circuit breaker now Open");
            }
        }

        var durations = await AccessDurationsAsync(server, mark, 10);
        // The first three wait for the mirror until the timeout (plus 100 ms at most); then the breaker is open.
        Assert.All(durations.Take(3), d => Assert.InRange(d, timeout.TotalMilliseconds - 50, timeout.TotalMilliseconds + 100));
        Assert.All(durations.Skip(3), d => Assert.InRange(d, 0, 10));
        Assert.Equal(3, hanging.Accepted);
    }

    internal static async Task WaitForLineAsync(ServerProcess server, string text)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if (server.StandardOutput.Any(line => line.Contains(text, StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"no log line with '{text}'");
    }

    /// <summary>Archeio's own measure of each request, from its access log, waiting boundedly for the lines.</summary>
    internal static async Task<IReadOnlyList<double>> AccessDurationsAsync(ServerProcess server, int mark, int count)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var durations = server.StandardOutput.Skip(mark)
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Where(e => e.GetProperty("EventId").GetInt32() == 1)
                .Select(e => e.GetProperty("State").GetProperty("DurationMs").GetDouble())
                .ToList();
            if (durations.Count >= count)
            {
                return durations;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"fewer than {count} access-log lines");
    }

    internal static TempConfig MirrorConfig(string blobUrl, JsonObject blobCheck, string? redis = null)
    {
        if (redis is not null)
        {
            blobCheck["Redis"] = redis;
        }

        return new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "m", ["BlobUrl"] = blobUrl }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("m") }),
            ["BlobCheck"] = blobCheck,
        });
    }
}
