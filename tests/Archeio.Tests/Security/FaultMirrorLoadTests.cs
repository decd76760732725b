using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Archeio.Tests.TestBed;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4 under concurrency: a mirror that holds every HEAD (200 only after 30 s) while many clients ask
/// for different blobs at once. With its breaker kept shut, only <c>BlobCheck:MaxConcurrent</c> HEADs may wait on it
/// (docs/request-handling.md "Mirror checks", step 6: past the limit a request falls through at once), and no request
/// waits longer than the budget.
/// </summary>
[Collection(TimedFaultIsolation.Name)]
public sealed class FaultMirrorLoadTests(ITestOutputHelper output)
{
    private const int MaxConcurrent = 8;

    /// <summary>
    /// A HEAD the server abandons frees its slot as it closes the connection; the mirror sees the close a moment
    /// later, so a new HEAD may arrive first. This bounds that overlap.
    /// </summary>
    private const int CloseLag = 2;

    [Fact]
    public async Task A_hanging_mirror_under_concurrent_load_holds_at_most_MaxConcurrent_HEADs_and_no_request_past_the_budget()
    {
        await using var faulty = FaultyMirror.Start(FaultyMirrorMode.Healthy);
        using var config = FaultBed.Config([("faulty", faulty.BlobUrlTemplate)], new JsonObject { ["BreakAfter"] = 1000, ["MaxConcurrent"] = MaxConcurrent });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 40 }) { Timeout = TimeSpan.FromSeconds(30) };
        await FaultBed.WarmUpAsync(http, server);
        faulty.Mode = FaultyMirrorMode.SlowHead;

        var mark = server.StandardOutput.Count;
        var wrong = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 40 }, async (i, _) =>
        {
            var digest = BlobCheckerTests.Digest(9_900 + i);
            var location = await FaultBed.SendBlobAsync(http, server, digest);
            if (location != FaultBed.UpstreamBlob(digest))
            {
                wrong.Add(location);
            }
        });

        Assert.Empty(wrong);
        var entries = await FaultBed.AccessEntriesAsync(server, mark, 200);
        Assert.All(entries, e => Assert.Equal("upstream", e.Decision));
        var durations = entries.Select(e => e.DurationMs).ToList();
        Assert.All(durations, d => Assert.InRange(d, 0, (FaultBed.Budget + FaultBed.ServerSlack).TotalMilliseconds));
        output.WriteLine($"200 requests, 40 at a time, mirror holding every HEAD: peak {faulty.PeakInFlight} HEADs at the mirror (limit {MaxConcurrent}); "
            + $"{faulty.Requests.Count - 1} HEADs sent; server duration max {durations.Max():F0} ms, median {durations.Order().ElementAt(100):F0} ms (budget {FaultBed.Budget.TotalMilliseconds} ms)");
        Assert.InRange(faulty.PeakInFlight, 1, MaxConcurrent + CloseLag);
        // The limit, not the requests, set the pace: far fewer HEADs than requests.
        Assert.True(faulty.Requests.Count - 1 < 200, $"{faulty.Requests.Count - 1} HEADs for 200 requests");
        using var health = await http.GetAsync(new Uri(server.MetricsAddress, "/healthz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, health.StatusCode);
    }
}
