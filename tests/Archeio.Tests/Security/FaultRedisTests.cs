using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: a shared cache (<c>BlobCheck:Redis</c>, a real redis-server) that dies under load, hangs, and
/// comes back, against two real Archeio processes. Redis down or slow never fails or slows a request, and it is used
/// again once back (docs/configuration.md "Shared cache"). <c>EndToEnd/SharedCacheTests</c> already covers a kill
/// between sequential requests; this adds the kill under concurrent load, the return, and a frozen Redis.
/// </summary>
[Collection(TimedFaultIsolation.Name)]
public sealed class FaultRedisTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Redis_killed_under_load_fails_nothing_and_is_used_again_when_it_comes_back()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var mirror = await LoopbackMirror.StartAsync();
        var digests = Enumerable.Range(0, 200).Select(i => BlobCheckerTests.Digest(9_500 + i)).ToList();
        digests.ForEach(d => mirror.Add(d));
        using var config = FaultBed.Config([("m", mirror.BlobUrlTemplate)], new JsonObject { ["Redis"] = redis.ConnectionString });
        await using var a = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await using var b = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = FaultBed.Client();
        await FaultBed.WarmUpAsync(http, a);
        await FaultBed.WarmUpAsync(http, b);

        // 200 requests, 10 at a time, with Redis killed once a quarter of them are answered.
        var answered = 0;
        var wrong = new ConcurrentBag<string>();
        var mark = a.StandardOutput.Count;
        var kill = Task.Run(async () =>
        {
            await Eventually.TrueAsync(() => Volatile.Read(ref answered) >= 50, "50 requests answered");
            await redis.KillAsync();
        });
        await Parallel.ForEachAsync(digests, new ParallelOptions { MaxDegreeOfParallelism = 10 }, async (digest, _) =>
        {
            var location = await FaultBed.SendBlobAsync(http, a, digest);
            if (location != mirror.BaseUrl + "/containers/images/" + digest)
            {
                wrong.Add(digest + " → " + location);
            }

            Interlocked.Increment(ref answered);
        });
        await kill;
        Assert.True(wrong.IsEmpty, $"{wrong.Count} of 200 not sent to the mirror, e.g. " + string.Join("; ", wrong.Take(3)));
        var entries = await FaultBed.AccessEntriesAsync(a, mark, 200);
        Assert.All(entries, e => Assert.Equal("mirror:m", e.Decision));
        var durations = entries.Select(e => e.DurationMs).ToList();
        Assert.All(durations, d => Assert.InRange(d, 0, (FaultBed.Budget + FaultBed.ServerSlack).TotalMilliseconds));
        output.WriteLine($"200 requests, Redis killed after 50: all to the mirror; server duration max {durations.Max():F1} ms, median {durations.Order().ElementAt(100):F1} ms");

        // Back (empty, same port): each replica reconnects in the background and writes its answers again.
        await redis.RestartAsync();
        var next = 9_700;
        foreach (var replica in new[] { a, b })
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    var digest = BlobCheckerTests.Digest(next++);
                    mirror.Add(digest);
                    Assert.Equal("mirror:m", (await FaultBed.GetBlobAsync(http, replica, digest)).Decision);
                    return await KeyExistsAsync(redis, digest);
                },
                "a replica writing to the restarted Redis",
                TimeSpan.FromSeconds(30));
        }

        // And reads: an answer A found is B's without a HEAD.
        var shared = BlobCheckerTests.Digest(next);
        mirror.Add(shared);
        Assert.Equal("mirror:m", (await FaultBed.GetBlobAsync(http, a, shared)).Decision);
        await Eventually.TrueAsync(() => KeyExistsAsync(redis, shared), "A's answer in Redis");
        var heads = mirror.Requests.Count;
        Assert.Equal("mirror:m", (await FaultBed.GetBlobAsync(http, b, shared)).Decision);
        Assert.Equal(heads, mirror.Requests.Count);
    }

    [Fact]
    public async Task A_frozen_redis_slows_no_request_past_the_budget_and_is_used_again_when_thawed()
    {
        await using var redis = await RedisProcess.StartAsync();
        await using var mirror = await LoopbackMirror.StartAsync();
        var digests = Enumerable.Range(0, 11).Select(i => BlobCheckerTests.Digest(9_600 + i)).ToList();
        digests.ForEach(d => mirror.Add(d));
        using var config = FaultBed.Config([("m", mirror.BlobUrlTemplate)], new JsonObject { ["Redis"] = redis.ConnectionString });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = FaultBed.Client();
        await FaultBed.WarmUpAsync(http, server);
        Assert.Equal("mirror:m", (await FaultBed.GetBlobAsync(http, server, digests[0])).Decision);
        await Eventually.TrueAsync(() => KeyExistsAsync(redis, digests[0]), "the first answer in Redis");

        await redis.FreezeAsync();
        var durations = new List<double>();
        try
        {
            foreach (var digest in digests.Skip(1))
            {
                // Each new digest asks the frozen Redis first: cut off after 100 ms, then the HEAD (well within the budget).
                var answer = await FaultBed.GetBlobAsync(http, server, digest);
                Assert.Equal("mirror:m", answer.Decision);
                durations.Add(answer.DurationMs);
            }
        }
        finally
        {
            await redis.ThawAsync();
        }

        // Redis's share is its 100 ms lookup cap (RedisBlobResultStore.CallTimeout), not the client's 1 s asyncTimeout.
        Assert.All(durations, d => Assert.InRange(d, 0, 600));
        output.WriteLine($"10 new digests with Redis frozen (SIGSTOP): server durations {string.Join(", ", durations.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms");
        var next = 9_650;
        await Eventually.TrueAsync(
            async () =>
            {
                var digest = BlobCheckerTests.Digest(next++);
                mirror.Add(digest);
                Assert.Equal("mirror:m", (await FaultBed.GetBlobAsync(http, server, digest)).Decision);
                return await KeyExistsAsync(redis, digest);
            },
            "writes reaching the thawed Redis",
            TimeSpan.FromSeconds(30));
    }

    private static async Task<bool> KeyExistsAsync(RedisProcess redis, string digest)
        => await redis.CommandAsync("EXISTS", "archeio:v1:blob:m:" + digest) == "1";
}
