using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Archeio.Tests.Blobs;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Xunit.Abstractions;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: mirrors that answer, but not with the blob: 404, or a redirect of their own to another host.
/// Such an answer is "absent" (docs/request-handling.md "Mirror checks", step 7: a mirror's redirects are not
/// followed, only a direct 200 counts), cached for <c>BlobCheck:AbsentTtl</c> and no longer; the request falls
/// through to the next candidate and no Location ever names the host the mirror redirected to.
/// </summary>
[Collection(TimedFaultIsolation.Name)]
public sealed class FaultMirrorAnswerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan AbsentTtl = TimeSpan.FromSeconds(4);

    [Theory]
    [InlineData(FaultyMirrorMode.Redirect301)]
    [InlineData(FaultyMirrorMode.Redirect302)]
    [InlineData(FaultyMirrorMode.Redirect307)]
    [InlineData(FaultyMirrorMode.NotFound)]
    public async Task A_mirror_answering_without_the_blob_is_absent_for_AbsentTtl_then_asked_again(FaultyMirrorMode mode)
    {
        var digest = BlobCheckerTests.Digest(9_420);
        // Healthy while the process warms up, then answering without the blob.
        await using var faulty = FaultyMirror.Start(FaultyMirrorMode.Healthy);
        faulty.Add(digest);
        await using var good = await LoopbackMirror.StartAsync();
        good.Add(digest);
        using var config = FaultBed.Config(
            [("faulty", faulty.BlobUrlTemplate), ("good", good.BlobUrlTemplate)],
            new JsonObject { ["AbsentTtl"] = AbsentTtl.ToString("c", CultureInfo.InvariantCulture) });
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = FaultBed.Client();
        await FaultBed.WarmUpAsync(http, server);
        await FaultBed.WaitForHeadsAsync(http, server, "faulty", 1);
        faulty.Mode = mode;
        var atGood = good.BlobUrlTemplate.Replace("{digest}", digest, StringComparison.Ordinal);

        // The answer is cached no earlier than this.
        var beforeFirst = Stopwatch.GetTimestamp();
        var first = await FaultBed.GetBlobAsync(http, server, digest);
        Assert.Equal(atGood, first.Location);
        Assert.Equal("mirror:good", first.Decision);
        output.WriteLine($"{mode}: mirror:good, HEAD outcome absent, server duration {first.DurationMs:F0} ms (budget {FaultBed.Budget.TotalMilliseconds} ms)");
        Assert.Equal(2, (await FaultBed.WaitForHeadsAsync(http, server, "faulty", 2)).GetValueOrDefault("absent"));

        // Within AbsentTtl the cached answer stands, even though the mirror now holds the blob: no HEAD.
        faulty.Mode = FaultyMirrorMode.Healthy;
        var cached = await FaultBed.GetBlobAsync(http, server, digest);
        if (Stopwatch.GetElapsedTime(beforeFirst) < AbsentTtl)
        {
            Assert.Equal("mirror:good", cached.Decision);
            Assert.Equal(2, faulty.Requests.Count);
        }

        FaultBlobAnswer answer;
        do
        {
            answer = await FaultBed.GetBlobAsync(http, server, digest);
            Assert.True(Stopwatch.GetElapsedTime(beforeFirst) < AbsentTtl + TimeSpan.FromSeconds(10), "the absent answer outlived AbsentTtl");
            if (answer.Decision != "mirror:faulty")
            {
                // Polling for the entry's expiry, not synchronising: each round is a real request.
                await Task.Delay(50);
            }
        }
        while (answer.Decision != "mirror:faulty");

        Assert.True(Stopwatch.GetElapsedTime(beforeFirst) >= AbsentTtl, "the absent answer was dropped before AbsentTtl");
        Assert.Equal(faulty.BlobUrlTemplate.Replace("{digest}", digest, StringComparison.Ordinal), answer.Location);
        Assert.Equal(3, faulty.Requests.Count);
        Assert.All(faulty.Requests, r => Assert.StartsWith("HEAD /containers/images/", r, StringComparison.Ordinal));
        Assert.DoesNotContain(server.StandardOutput, line => line.Contains(FaultyMirror.RedirectHost, StringComparison.Ordinal));
    }
}
