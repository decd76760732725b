using Archeio.Tests.Support;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 5 (slow clients): slowloris connections that trickle their request one byte every 500 ms are cut
/// by the header timeout (<c>ArcheioHost.RequestHeadersTimeout</c>, 2 s, checked on Kestrel's 1 s heartbeat), and
/// many of them at once do not stop new clients from being served. A stalled request whose headers never finish is
/// covered by <c>ServerLimitsTests.Headers_trickled_slower_than_the_timeout_are_cut_off</c>; these trickle for real,
/// so that a timeout reset by every byte received (a read timeout instead of a headers deadline) would fail them.
/// </summary>
public sealed class SlowClientTests(SlowClientServer fixture, ITestOutputHelper output) : IClassFixture<SlowClientServer>
{
    /// <summary>Connections trickling at once in <see cref="Many_slowloris_connections_do_not_stop_new_clients"/>.</summary>
    private const int Attackers = 200;

    /// <summary>Connections each attacker makes, one after another: the second starts when the server cuts the first.</summary>
    private const int Waves = 2;

    /// <summary>
    /// The cut comes later than the 2 s timeout: Kestrel adds one heartbeat interval (1 s) of grace to every deadline
    /// and checks deadlines on that heartbeat, so a trickled request is cut 3–4 s after its first byte. 8 s leaves a
    /// margin for a loaded 2-core machine.
    /// </summary>
    private static readonly TimeSpan LatestCut = TimeSpan.FromSeconds(8);

    /// <summary>Not before the timeout: a cut earlier than this would be some other limit.</summary>
    private static readonly TimeSpan EarliestCut = TimeSpan.FromSeconds(1.5);

    /// <summary>How often a new client arrives during the attack.</summary>
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(20);

    private const string Request = "GET /v2/ HTTP/1.1\r\nHost: registry.example\r\n\r\n";

    private static readonly string Endless = new('a', 1000);

    private int Port => fixture.Server.Port;

    /// <summary>Columns: what is trickled, what is sent at once first, the bytes then trickled (never a whole request).</summary>
    public static TheoryData<string, string, string> TrickleCases => new()
    {
        { "the request line", string.Empty, "GET /v2/ HTTP/1.1\r\nHost: registry.example\r\nX-Slow: " + Endless },
        { "header lines", "GET /v2/ HTTP/1.1\r\n", "Host: registry.example\r\nX-Slow-1: a\r\nX-Slow-2: " + Endless },
        { "the next request on a kept-alive connection", Request, "GET /v2/ HTTP/1.1\r\nHost: registry.example\r\nX-Slow: " + Endless },
    };

    [Theory]
    [MemberData(nameof(TrickleCases))]
    public async Task A_trickled_request_is_cut_by_the_header_timeout(string what, string prefix, string trickle)
    {
        using var client = new SlowClientConnection();

        await client.RunAsync(Port, prefix, trickle, TimeSpan.FromSeconds(20));

        Assert.True(client.Closed, $"{what}: still open after trickling {client.BytesTrickled} bytes");
        Assert.InRange(client.CutAfter, EarliestCut, LatestCut);
        // At one byte per 500 ms the whole 2 s went by trickling: several bytes arrived and none reset the deadline.
        Assert.InRange(client.BytesTrickled, 3, 20);
        // Only the complete request sent at once (if any) was answered, never the trickled one.
        var answered = client.Response.Split("HTTP/1.1 200 ").Length - 1;
        Assert.Equal(prefix == Request ? 1 : 0, answered);
    }

    [Fact]
    public async Task Many_slowloris_connections_do_not_stop_new_clients()
    {
        var rssBefore = ProcStatus.RssKiB(fixture.Server.Process.Id);
        var connections = new SlowClientConnection[Attackers, Waves];
        var open = 0;

        // Each attacker trickles a request; when the server cuts it, it connects again at once (as slowloris does).
        async Task AttackAsync(int attacker)
        {
            for (var wave = 0; wave < Waves; wave++)
            {
                Interlocked.Increment(ref open);
                await connections[attacker, wave].RunAsync(Port, string.Empty, "GET /v2/ HTTP/1.1\r\nHost: registry.example\r\nX-Slow: " + Endless, LatestCut + TimeSpan.FromSeconds(2));
                Interlocked.Decrement(ref open);
            }
        }

        for (var attacker = 0; attacker < Attackers; attacker++)
        {
            for (var wave = 0; wave < Waves; wave++)
            {
                connections[attacker, wave] = new SlowClientConnection();
            }
        }

        try
        {
            var attackers = Enumerable.Range(0, Attackers).Select(a => Task.Run(() => AttackAsync(a))).ToList();
            await Task.WhenAll(Enumerable.Range(0, Attackers).Select(a => connections[a, 0].Trickling)).WaitAsync(TimeSpan.FromSeconds(20));
            var rssDuring = ProcStatus.RssKiB(fixture.Server.Process.Id);

            // New clients, one every 20 ms, for as long as the attack lasts: each must be answered promptly.
            var probes = new List<(TimeSpan Elapsed, bool Ok, int Open)>();
            var attack = Task.WhenAll(attackers);
            using var pacing = new PeriodicTimer(ProbeInterval);
            while (!attack.IsCompleted)
            {
                var (response, elapsed, _) = await RawHttp.SendAsync(Port, "GET /v2/ HTTP/1.1\r\nHost: registry.example\r\nConnection: close\r\n\r\n", TimeSpan.FromSeconds(10));
                probes.Add((elapsed, response.StartsWith("HTTP/1.1 200 ", StringComparison.Ordinal), Volatile.Read(ref open)));
                await Task.WhenAny(pacing.WaitForNextTickAsync().AsTask(), attack);
            }

            await attack.WaitAsync(TimeSpan.FromSeconds(30));
            var all = connections.Cast<SlowClientConnection>().ToList();
            var cutTimes = all.Select(c => c.CutAfter).Order().ToList();
            var latencies = probes.Select(p => p.Elapsed).Order().ToList();
            output.WriteLine($"{Attackers} attackers × {Waves} waves: {all.Count(c => c.Closed)} connections cut, {cutTimes[0].TotalSeconds:F2}–{cutTimes[^1].TotalSeconds:F2} s after their first byte");
            output.WriteLine($"{probes.Count} new clients during the attack: median {latencies[latencies.Count / 2].TotalMilliseconds:F1} ms, p99 {latencies[latencies.Count * 99 / 100].TotalMilliseconds:F1} ms, max {latencies[^1].TotalMilliseconds:F1} ms; attackers open at a probe: min {probes.Min(p => p.Open)}, mean {probes.Average(p => p.Open):F0}");
            output.WriteLine($"server RSS: before {rssBefore} KiB, during {rssDuring} KiB, after {ProcStatus.RssKiB(fixture.Server.Process.Id)} KiB");

            Assert.All(probes, p => Assert.True(p.Ok, "a new client was not answered 200 during the attack"));
            Assert.True(probes.Count >= 50, $"only {probes.Count} new clients were served during the attack");
            Assert.InRange(latencies[^1], TimeSpan.Zero, TimeSpan.FromSeconds(2));
            // The probes ran while the attack held its connections open (a reconnecting attacker is out for a moment only).
            Assert.True(probes.Average(p => p.Open) >= Attackers * 3 / 4, $"attackers open at a probe, on average: {probes.Average(p => p.Open)}");
            // Every connection of both waves was cut by the header timeout, none earlier.
            Assert.All(all, c => Assert.InRange(c.CutAfter, EarliestCut, LatestCut));
        }
        finally
        {
            foreach (var connection in connections)
            {
                connection.Dispose();
            }
        }
    }
}
