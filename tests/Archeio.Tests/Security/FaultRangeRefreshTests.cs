using Archeio.TestBed;
using Archeio.Tests.Blobs;
using Archeio.Tests.Ranges.Loading;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 4: a range URL that turns bad, against the real process. <c>RangesRefresh:Interval</c> is at
/// least a minute, so the refresh a test can see is the one right after a start from the cache directory
/// (<c>RangesRefresh:CacheDirectory</c>: "a restart starts from these copies at once, then refreshes them
/// conditionally"): a bad answer to it keeps the last good table. The timer's refreshes run the same code
/// (<c>RangeLoadingService.RefreshSourcesAsync</c>), covered in process by <c>Ranges/Loading/RangeRefreshTests</c>.
/// </summary>
public sealed class FaultRangeRefreshTests
{
    private static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData("hang")]
    [InlineData("500")]
    [InlineData("html")]
    [InlineData("truncated")]
    public async Task A_range_url_that_turns_bad_keeps_the_last_good_table(string kind)
    {
        var digest = BlobCheckerTests.Digest(9_710);
        using var cache = new TempDirectory("range-cache");
        await using var ranges = await RangeServer.StartAsync(FaultRangeSource.GoodBody);
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(digest);
        using var config = FaultRangeSource.Config(ranges.Url, mirror.BlobUrlTemplate, FetchTimeout, cache.Path);
        using var http = FaultBed.Client();

        await using (var first = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path }))
        {
            Assert.Equal(("mirror:aws", "AWS"), await FaultRangeSource.GetBlobAsAwsClientAsync(http, first, digest));
        }

        FaultRangeSource.Misbehave(ranges, kind);
        await using var second = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        await second.WaitForLineAsync("Could not refresh the AWS ranges from " + ranges.Url);

        Assert.Equal(("mirror:aws", "AWS"), await FaultRangeSource.GetBlobAsAwsClientAsync(http, second, digest));
        Assert.Equal(2, ranges.Conditions.Count);
    }
}
