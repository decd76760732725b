using System.Diagnostics;
using Archeio.Tests.Blobs;
using Archeio.Tests.Ranges.Loading;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: a range URL that hangs or answers garbage when the real process starts. The server starts
/// anyway, within <c>RangesRefresh:FetchTimeout</c> of the fetch, with that cloud unknown to routing, and serves
/// (docs/configuration.md, <c>Ranges:N:Source</c>). <c>EndToEnd/StartupTests</c> covers an unreachable URL (refused);
/// <c>Ranges/RangeRefreshTests</c> and <c>RangeReadinessTests</c> the same faults in process.
/// </summary>
public sealed class FaultRangeStartTests
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("hang")]
    [InlineData("500")]
    [InlineData("html")]
    [InlineData("empty")]
    [InlineData("binary")]
    [InlineData("wrong shape")]
    [InlineData("truncated")]
    public async Task A_range_url_that_fails_at_start_leaves_its_cloud_unknown_and_the_server_serves(string kind)
    {
        var digest = BlobCheckerTests.Digest(9_700);
        await using var ranges = await RangeServer.StartAsync(FaultRangeSource.GoodBody);
        FaultRangeSource.Misbehave(ranges, kind);
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(digest);
        using var config = FaultRangeSource.Config(ranges.Url, mirror.BlobUrlTemplate, FetchTimeout);

        var watch = Stopwatch.StartNew();
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        // Without the fetch timeout a hanging source would hold the start for ever (ServerProcess gives up at 60 s).
        Assert.True(watch.Elapsed < FetchTimeout + TimeSpan.FromSeconds(10), $"listening after {watch.Elapsed}");
        Assert.Contains(server.StandardOutput, line => line.Contains("Could not load the AWS ranges from " + ranges.Url, StringComparison.Ordinal));

        using var http = FaultBed.Client();
        var (decision, cloud) = await FaultRangeSource.GetBlobAsAwsClientAsync(http, server, digest);
        Assert.Equal("upstream", decision);
        Assert.NotEqual("AWS", cloud);
        Assert.Empty(mirror.Requests);
    }
}
