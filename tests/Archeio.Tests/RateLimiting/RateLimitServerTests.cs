using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.RateLimiting;

/// <summary>
/// Rate limits in the real server process: bursts from many client addresses (each client its own loopback source
/// address, 127.0.x.y: Linux routes all of 127.0.0.0/8 to lo), partitioned by address and by /24; and two replicas
/// sharing one limit through a real redis-server, which goes on locally when Redis is killed (never fail closed).
/// A limit of one permit a minute keeps the counts exact however slowly the machine runs.
/// </summary>
public sealed class RateLimitServerTests
{
    private const string Manifest = "/v2/pause/manifests/3.10";

    [Fact]
    public async Task Bursts_from_many_clients_each_get_their_own_burst_and_a_network_shares_one()
    {
        using var config = Config(new JsonArray(
            new JsonObject
            {
                ["Name"] = "lab", ["Match"] = new JsonObject { ["Networks"] = new JsonArray("127.0.2.0/24") },
                ["PartitionBy"] = "Network", ["PermitsPerMinute"] = 1, ["Burst"] = 10,
            },
            new JsonObject { ["Name"] = "per-address", ["PermitsPerMinute"] = 1, ["Burst"] = 5 }));
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        var mark = server.StandardOutput.Count;

        // 20 clients of their own, 8 requests each, all at once; and 20 clients of one /24, 2 each.
        var alone = Enumerable.Range(1, 20).Select(i => IPAddress.Parse("127.0.1." + i.ToString(CultureInfo.InvariantCulture))).ToList();
        var lab = Enumerable.Range(1, 20).Select(i => IPAddress.Parse("127.0.2." + i.ToString(CultureInfo.InvariantCulture))).ToList();
        var answers = new ConcurrentBag<(IPAddress Client, HttpStatusCode Status, string? RetryAfter)>();
        await Task.WhenAll(alone.Select(c => SendAsync(server, c, 8, answers)).Concat(lab.Select(c => SendAsync(server, c, 2, answers))));

        foreach (var client in alone)
        {
            var mine = answers.Where(a => a.Client.Equals(client)).ToList();
            Assert.Equal(5, mine.Count(a => a.Status == HttpStatusCode.TemporaryRedirect));
            Assert.Equal(3, mine.Count(a => a.Status == HttpStatusCode.TooManyRequests));
            Assert.All(mine.Where(a => a.Status == HttpStatusCode.TooManyRequests), a => Assert.InRange(int.Parse(a.RetryAfter!, CultureInfo.InvariantCulture), 1, 60));
        }

        var fromLab = answers.Where(a => lab.Contains(a.Client)).ToList();
        Assert.Equal(10, fromLab.Count(a => a.Status == HttpStatusCode.TemporaryRedirect));
        Assert.Equal(30, fromLab.Count(a => a.Status == HttpStatusCode.TooManyRequests));

        // The access log shows each 429 with its limit and the client.
        using var http = new HttpClient();
        var entries = await server.AccessLogSinceAsync(http, mark);
        var refused = entries.Where(e => e.GetProperty("Status").GetInt32() == 429).ToList();
        Assert.Equal(60 + 30, refused.Count);
        Assert.Equal(60, refused.Count(e => e.GetProperty("Decision").GetString() == "rate-limited:per-address"));
        Assert.Equal(30, refused.Count(e => e.GetProperty("Decision").GetString() == "rate-limited:lab"));
        Assert.Contains(refused, e => e.GetProperty("ClientIp").GetString() == "127.0.1.7");
    }

    [Fact]
    public async Task Two_replicas_share_one_limit_through_redis_and_limit_locally_once_it_is_killed()
    {
        await using var redis = await RedisProcess.StartAsync();
        using var config = Config(
            new JsonArray(new JsonObject { ["Name"] = "shared", ["PermitsPerMinute"] = 1, ["Burst"] = 6, ["Shared"] = true }),
            redis.ConnectionString);
        await using var first = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await using var second = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await first.WaitForLineAsync(": connected");
        await second.WaitForLineAsync(": connected");

        // One client, its requests spread over both replicas: six in all pass, not six on each.
        var client = IPAddress.Parse("127.0.3.1");
        var statuses = new List<HttpStatusCode>();
        using (var http = ClientFrom(client))
        {
            for (var i = 0; i < 12; i++)
            {
                using var response = await http.GetAsync(new Uri((i % 2 == 0 ? first : second).BaseAddress, Manifest));
                statuses.Add(response.StatusCode);
            }
        }

        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.TemporaryRedirect));
        Assert.Equal(6, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.All(statuses.Take(6), s => Assert.Equal(HttpStatusCode.TemporaryRedirect, s));
        Assert.Equal("1", await redis.CommandAsync("EXISTS", "archeio:v1:rate:shared:127.0.3.1"));

        // Redis dies: each replica limits on its own, neither refuses everyone (fail closed) nor lets everyone through.
        await redis.KillAsync();
        var other = IPAddress.Parse("127.0.3.2");
        using (var http = ClientFrom(other))
        {
            foreach (var replica in new[] { first, second })
            {
                var local = new List<HttpStatusCode>();
                for (var i = 0; i < 8; i++)
                {
                    using var response = await http.GetAsync(new Uri(replica.BaseAddress, Manifest));
                    local.Add(response.StatusCode);
                }

                Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.TemporaryRedirect, 6), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], local);
            }
        }

        await first.WaitForLineAsync("limiting locally until it answers");
    }

    [Fact]
    public async Task A_redis_that_hangs_costs_each_request_at_most_the_call_timeout_and_the_limit_holds_locally()
    {
        await using var redis = await RedisProcess.StartAsync();
        using var config = Config(
            new JsonArray(new JsonObject { ["Name"] = "shared", ["PermitsPerMinute"] = 1, ["Burst"] = 3, ["Shared"] = true }),
            redis.ConnectionString);
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await server.WaitForLineAsync(": connected");

        // Frozen: connections stay open, nothing is answered. Each request waits out the 100 ms cap, then is
        // decided by the local bucket.
        await redis.FreezeAsync();
        using var http = ClientFrom(IPAddress.Parse("127.0.4.1"));
        var statuses = new List<HttpStatusCode>();
        var slowest = TimeSpan.Zero;
        for (var i = 0; i < 5; i++)
        {
            var started = TimeProvider.System.GetTimestamp();
            using var response = await http.GetAsync(new Uri(server.BaseAddress, Manifest));
            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, TimeProvider.System.GetElapsedTime(started).Ticks));
            statuses.Add(response.StatusCode);
        }

        await redis.ThawAsync();
        Assert.Equal([HttpStatusCode.TemporaryRedirect, HttpStatusCode.TemporaryRedirect, HttpStatusCode.TemporaryRedirect, HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.True(slowest < TimeSpan.FromSeconds(1), $"the slowest request took {slowest.TotalMilliseconds:F0} ms");
        await server.WaitForLineAsync("no answer within 100 ms");
    }

    private static async Task SendAsync(ServerProcess server, IPAddress client, int requests, ConcurrentBag<(IPAddress, HttpStatusCode, string?)> answers)
    {
        using var http = ClientFrom(client);
        // All at once, on as many connections as the client opens.
        await Task.WhenAll(Enumerable.Range(0, requests).Select(async _ =>
        {
            using var response = await http.GetAsync(new Uri(server.BaseAddress, Manifest));
            answers.Add((client, response.StatusCode, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture)));
        }));
    }

    /// <summary>An HTTP client whose connections come from <paramref name="local"/> (bound before connecting).</summary>
    internal static HttpClient ClientFrom(IPAddress local) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(local, 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private static TempConfig Config(JsonArray limits, string? redis = null)
    {
        var archeio = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(),
            ["Rules"] = new JsonArray(),
            ["RateLimits"] = limits,
            ["Logging"] = new JsonObject { ["Format"] = "json" },
        };
        if (redis is not null)
        {
            archeio["BlobCheck"] = new JsonObject { ["Redis"] = redis };
        }

        return new TempConfig(archeio);
    }
}
