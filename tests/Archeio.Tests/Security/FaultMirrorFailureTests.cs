using System.Diagnostics;
using System.Text.Json.Nodes;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: mirrors that fail (no answer, a broken answer, 5xx, or an answer too late), against the real
/// process. A failure must cost a request at most the blob-check budget, fall through to the next candidate, and not
/// be remembered: docs/request-handling.md "Mirror checks", step 7 (5xx, connection errors and timeouts are absent
/// for this request only, not cached, counted by the breaker).
/// </summary>
[Collection(TimedFaultIsolation.Name)]
public sealed class FaultMirrorFailureTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(FaultyMirrorMode.Refuse, "error", "mirror:good")]
    [InlineData(FaultyMirrorMode.ResetMidResponse, "error", "mirror:good")]
    [InlineData(FaultyMirrorMode.ServerError, "error", "mirror:good")]
    [InlineData(FaultyMirrorMode.GarbageStatusLine, "error", "mirror:good")]
    // A HEAD that takes longer than the budget uses it all up: the next mirror is not asked in this request.
    [InlineData(FaultyMirrorMode.SlowHead, "timeout", "upstream")]
    [InlineData(FaultyMirrorMode.SlowHeaders, "timeout", "upstream")]
    public async Task A_failing_mirror_costs_at_most_the_budget_is_not_remembered_and_is_used_once_it_recovers(
        FaultyMirrorMode mode, string outcome, string decision)
    {
        var digest = BlobCheckerTests.Digest(9_401);
        // Healthy while the process warms up, then broken.
        await using var faulty = FaultyMirror.Start(FaultyMirrorMode.Healthy);
        faulty.Add(digest);
        await using var good = await LoopbackMirror.StartAsync();
        good.Add(digest);
        // The breaker stays out of this test (see An_open_breaker_...): every failure is a HEAD.
        using var config = FaultBed.Config([("faulty", faulty.BlobUrlTemplate), ("good", good.BlobUrlTemplate)], new JsonObject { ["BreakAfter"] = 1000 });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = FaultBed.Client();
        await FaultBed.WarmUpAsync(http, server);
        await FaultBed.WaitForHeadsAsync(http, server, "faulty", 1);
        faulty.Mode = mode;
        var fallback = decision == "upstream" ? FaultBed.UpstreamBlob(digest) : good.BlobUrlTemplate.Replace("{digest}", digest, StringComparison.Ordinal);

        var durations = new List<double>();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var answer = await FaultBed.GetBlobAsync(http, server, digest);
            durations.Add(answer.DurationMs);
            Assert.Equal(fallback, answer.Location);
            Assert.Equal(decision, answer.Decision);
            // Not remembered: the second request asks the mirror again (after the first HEAD ended, else it would
            // share it), and the outcome is the failure's kind, never "absent".
            var heads = await FaultBed.WaitForHeadsAsync(http, server, "faulty", 1 + attempt);
            Assert.Equal(attempt, heads.GetValueOrDefault(outcome));
        }

        output.WriteLine($"{mode}: {decision}, HEAD outcome {outcome}, server durations {string.Join(" / ", durations.Select(d => d.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms (budget {FaultBed.Budget.TotalMilliseconds} ms)");
        faulty.Mode = FaultyMirrorMode.Healthy;
        var recovered = await FaultBed.GetBlobAsync(http, server, digest);
        Assert.Equal(faulty.BlobUrlTemplate.Replace("{digest}", digest, StringComparison.Ordinal), recovered.Location);
        Assert.Equal("mirror:faulty", recovered.Decision);
        Assert.DoesNotContain(faulty.Requests, r => !r.StartsWith("HEAD ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_open_breaker_skips_the_mirror_for_BreakFor_then_one_trial_brings_it_back()
    {
        var breakFor = TimeSpan.FromSeconds(4);
        await using var faulty = FaultyMirror.Start(FaultyMirrorMode.Healthy);
        using var config = FaultBed.Config(
            [("faulty", faulty.BlobUrlTemplate)],
            new JsonObject { ["BreakAfter"] = 2, ["BreakFor"] = breakFor.ToString("c", System.Globalization.CultureInfo.InvariantCulture) });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = FaultBed.Client();
        await FaultBed.WarmUpAsync(http, server);
        faulty.Mode = FaultyMirrorMode.ServerError;

        Assert.Equal("upstream", (await FaultBed.GetBlobAsync(http, server, BlobCheckerTests.Digest(9_410))).Decision);
        // The breaker opens at the second failure, during this request: no earlier than here.
        var beforeOpen = Stopwatch.GetTimestamp();
        Assert.Equal("upstream", (await FaultBed.GetBlobAsync(http, server, BlobCheckerTests.Digest(9_411))).Decision);
        await server.WaitForLineAsync("circuit breaker now Open");

        var digest = BlobCheckerTests.Digest(9_412);
        faulty.Add(digest);
        faulty.Mode = FaultyMirrorMode.Healthy;
        var headsWhileOpen = faulty.Requests.Count;
        FaultBlobAnswer answer;
        do
        {
            answer = await FaultBed.GetBlobAsync(http, server, digest);
            Assert.True(Stopwatch.GetElapsedTime(beforeOpen) < breakFor + TimeSpan.FromSeconds(10), "the breaker never let a trial through");
            if (answer.Decision == "upstream")
            {
                // Polling for the breaker's end, not synchronising: each round is a real request.
                await Task.Delay(50);
            }
        }
        while (answer.Decision == "upstream");

        // Skipped without a HEAD while open; the first request after BreakFor is the trial, and it found the blob.
        Assert.True(Stopwatch.GetElapsedTime(beforeOpen) >= breakFor, $"the mirror was asked again {Stopwatch.GetElapsedTime(beforeOpen)} after its breaker opened, before BreakFor {breakFor}");
        Assert.Equal("mirror:faulty", answer.Decision);
        Assert.Equal(headsWhileOpen + 1, faulty.Requests.Count);
        await server.WaitForLineAsync("circuit breaker now Closed");
    }
}
