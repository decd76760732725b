using System.Net;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd;

/// <summary>Two Archeio processes sharing a real redis-server on loopback.</summary>
public sealed class SharedCacheTests
{
    [Fact]
    public async Task A_second_replica_serves_a_digest_the_first_checked_with_no_HEAD()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(BlobCheckerTests.Digest(1));
        using var config = BlobCheckTests.MirrorConfig(mirror.BlobUrlTemplate, new JsonObject(), redis.ConnectionString);
        await using var first = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await using var second = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        await ExpectMirrorAsync(http, first, mirror, BlobCheckerTests.Digest(1));
        Assert.Single(mirror.Requests);
        await WaitForKeyAsync(redis, "archeio:v1:blob:m:" + BlobCheckerTests.Digest(1));

        await ExpectMirrorAsync(http, second, mirror, BlobCheckerTests.Digest(1));
        Assert.Single(mirror.Requests);
    }

    [Fact]
    public async Task Requests_keep_succeeding_when_redis_dies_mid_run()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var mirror = await LoopbackMirror.StartAsync();
        Enumerable.Range(0, 20).ToList().ForEach(i => mirror.Add(BlobCheckerTests.Digest(100 + i)));
        using var config = BlobCheckTests.MirrorConfig(mirror.BlobUrlTemplate, new JsonObject { ["Timeout"] = "00:00:01" }, redis.ConnectionString);
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });

        for (var i = 0; i < 10; i++)
        {
            await ExpectMirrorAsync(http, server, mirror, BlobCheckerTests.Digest(100 + i));
        }

        await redis.KillAsync();
        var mark = server.StandardOutput.Count;
        for (var i = 0; i < 20; i++)
        {
            // New digests (HEADs go on without Redis) and known ones (the local cache stays in front).
            await ExpectMirrorAsync(http, server, mirror, BlobCheckerTests.Digest(100 + i));
        }

        // Not slowed down: every request answers well within the blob-check timeout.
        var durations = await BlobCheckTests.AccessDurationsAsync(server, mark, 20);
        Assert.All(durations, d => Assert.InRange(d, 0, 500));
    }

    private static async Task ExpectMirrorAsync(HttpClient http, ServerProcess server, LoopbackMirror mirror, string digest)
    {
        using var response = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/blobs/" + digest));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(mirror.BaseUrl + "/containers/images/" + digest, response.Headers.Location?.OriginalString);
    }

    private static async Task WaitForKeyAsync(RedisProcess redis, string key)
    {
        // The write to Redis is fire-and-forget, after the answer: wait for it, boundedly.
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var result = await Commands.RunAsync("redis-cli", ["-p", redis.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "EXISTS", key], TimeSpan.FromSeconds(10));
            if (result.StandardOutput.Trim() == "1")
            {
                return;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException("key " + key + " never reached Redis");
    }
}
