using System.Net;
using System.Text;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// With <c>RangesRefresh:CacheDirectory</c> set, every source's parsed prefixes are kept as a
/// <see cref="RangeSnapshot"/>, and a start reads the snapshot instead of parsing the JSON whenever the
/// body is byte for byte the one the snapshot was made from.
/// </summary>
public sealed class RangeSnapshotLoadingTests : IDisposable
{
    private readonly TempDirectory _directory = new("range-snapshots");

    private string CacheDirectory => _directory.Combine("cache");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_file_source_is_parsed_once_and_then_started_from_its_snapshot()
    {
        var source = WriteSource(RangeRefreshTests.Version1);
        await StartOnceAsync(source);
        var snapshotPath = new RangeCache(CacheDirectory).SnapshotPath(source);
        Assert.True(File.Exists(snapshotPath));

        await using var restarted = RangeRefreshHarness.Create([source], CacheDirectory);
        await restarted.StartAsync();

        var read = Assert.Single(restarted.Log.Entries, e => e.EventId == 20);
        Assert.Equal($"Read the AWS prefixes from the snapshot {snapshotPath} instead of parsing the JSON", read.Message);
        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        Assert.Equal("AWS/us-west-2", restarted.Lookup("52.94.77.1"));
        Assert.Equal(2, restarted.StatusOf("AWS").Prefixes);
    }

    [Fact]
    public async Task The_snapshot_is_what_a_restart_uses_not_the_json()
    {
        var source = WriteSource(RangeRefreshTests.Version1);
        await StartOnceAsync(source);
        // A snapshot for the same body that says something else: only reading it can give this answer.
        var other = new[] { new CloudPrefix(IPNetwork.Parse("35.180.0.0/16"), new CloudLocation("AWS", "from-the-snapshot")) };
        var hash = RangeSnapshot.HashOf(Encoding.UTF8.GetBytes(RangeRefreshTests.Version1));
        await File.WriteAllBytesAsync(new RangeCache(CacheDirectory).SnapshotPath(source), RangeSnapshot.Encode(RangeFormat.Aws, hash, "AWS", other));

        await using var restarted = RangeRefreshHarness.Create([source], CacheDirectory);
        await restarted.StartAsync();

        Assert.Equal("AWS/from-the-snapshot", restarted.Lookup("35.180.1.2"));
        Assert.Null(restarted.Lookup("52.94.77.1"));
    }

    [Theory]
    [InlineData("the file changed")]
    [InlineData("the snapshot is damaged")]
    [InlineData("the snapshot is empty")]
    public async Task A_snapshot_that_does_not_match_is_ignored_and_replaced(string change)
    {
        var source = WriteSource(RangeRefreshTests.Version1);
        await StartOnceAsync(source);
        var snapshotPath = new RangeCache(CacheDirectory).SnapshotPath(source);
        var expected = RangeRefreshTests.Version1;
        switch (change)
        {
            case "the file changed":
                expected = RangeRefreshTests.Version2;
                WriteSource(expected);
                break;
            case "the snapshot is damaged":
                var bytes = await File.ReadAllBytesAsync(snapshotPath);
                bytes[^1] ^= 0xFF;
                await File.WriteAllBytesAsync(snapshotPath, bytes);
                break;
            case "the snapshot is empty":
                await File.WriteAllBytesAsync(snapshotPath, []);
                break;
        }

        await using var restarted = RangeRefreshHarness.Create([source], CacheDirectory);
        await restarted.StartAsync();

        Assert.DoesNotContain(restarted.Log.Entries, e => e.EventId == 20);
        Assert.Equal(change == "the file changed" ? "AWS/eu-west-1" : "AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        // Rewritten for the body now in use.
        var hash = RangeSnapshot.HashOf(Encoding.UTF8.GetBytes(expected));
        Assert.True(RangeSnapshot.TryDecode(await File.ReadAllBytesAsync(snapshotPath), RangeFormat.Aws, hash, "AWS", out var decoded));
        Assert.Equal(2, decoded.Count);
    }

    [Fact]
    public async Task A_url_source_restarted_from_its_cached_copy_reads_the_snapshot()
    {
        await using var server = await RangeServer.StartAsync(RangeRefreshTests.Version1);
        var source = RangeRefreshHarness.Aws(server.Url);
        await StartOnceAsync(source);

        await using var restarted = RangeRefreshHarness.Create([source], CacheDirectory);
        await restarted.StartAsync();

        Assert.Contains(restarted.Log.Entries, e => e.EventId == 16);
        Assert.Contains(restarted.Log.Entries, e => e.EventId == 20);
        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
    }

    [Fact]
    public async Task Without_a_cache_directory_nothing_is_written()
    {
        var source = WriteSource(RangeRefreshTests.Version1);
        await using var harness = RangeRefreshHarness.Create([source]);
        await harness.StartAsync();

        Assert.Equal("AWS/eu-west-3", harness.Lookup("35.180.1.2"));
        Assert.Equal(["aws.json"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_snapshot_that_cannot_be_written_is_logged_and_the_source_still_loads()
    {
        var source = WriteSource(RangeRefreshTests.Version1);
        Directory.CreateDirectory(new RangeCache(CacheDirectory).SnapshotPath(source));

        await using var harness = RangeRefreshHarness.Create([source], CacheDirectory);
        await harness.StartAsync();

        Assert.Equal("AWS/eu-west-3", harness.Lookup("35.180.1.2"));
        var warning = Assert.Single(harness.Log.Entries, e => e.EventId == 18);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    private RangeSourceSettings WriteSource(string content)
    {
        var path = _directory.Combine("aws.json");
        File.WriteAllText(path, content);
        return RangeRefreshHarness.Aws(path);
    }

    private async Task StartOnceAsync(RangeSourceSettings source)
    {
        await using var first = RangeRefreshHarness.Create([source], CacheDirectory);
        await first.StartAsync();
        Assert.True(first.StatusOf("AWS").HasData);
    }
}
