using System.Text.Json;
using Archeio.TestBed;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// <c>RangesRefresh:CacheDirectory</c>: every successful fetch is kept there, and a restart starts from
/// it at once, then checks the URL (conditionally), whether or not the provider is reachable.
/// </summary>
public sealed class RangeCacheTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Published = new(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new("range-cache");
    private RangeServer _server = null!;

    private string CacheDirectory => _directory.Combine("cache", "ranges");

    public async Task InitializeAsync()
    {
        _server = await RangeServer.StartAsync(RangeRefreshTests.Version1);
        _server.LastModified = Published;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_fetch_is_written_to_the_cache_with_its_validators()
    {
        await FetchOnceAsync();

        var files = Directory.GetFiles(CacheDirectory).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(3, files.Length);
        Assert.Matches("^aws-[0-9a-f]{16}\\.json$", files[0]);
        Assert.Equal(files[0]![..^5] + ".meta.json", files[1]);
        Assert.Equal(files[0]![..^5] + ".prefixes", files[2]);
        Assert.Equal(RangeRefreshTests.Version1, await File.ReadAllTextAsync(Path.Combine(CacheDirectory, files[0]!)));
        using var meta = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(CacheDirectory, files[1]!)));
        Assert.Equal(_server.Url, meta.RootElement.GetProperty("source").GetString());
        Assert.Equal(RangeServer.ETagOf(RangeRefreshTests.Version1), meta.RootElement.GetProperty("eTag").GetString());
        Assert.Equal("Tue, 30 Jun 2026 12:00:00 GMT", meta.RootElement.GetProperty("lastModified").GetString());
        Assert.Equal(Published, meta.RootElement.GetProperty("dataTime").GetDateTimeOffset());
    }

    [Fact]
    public async Task A_restart_whose_url_is_down_starts_from_the_cache()
    {
        await FetchOnceAsync();
        await _server.DisposeAsync();

        await using var restarted = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], CacheDirectory, requireAtStart: true);
        await restarted.StartAsync();

        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        var status = restarted.StatusOf("AWS");
        Assert.True(status.HasData);
        Assert.Equal(2, status.Prefixes);
        Assert.Equal(Published, status.DataTime);
        Assert.True(restarted.Status.Ready);
        Assert.Contains(restarted.Log.Entries, e => e.EventId == 16 && e.Message.StartsWith("Loaded 2 prefixes for AWS from the cached copy ", StringComparison.Ordinal));

        // The URL is tried right after start; its failure keeps the cached data.
        await Eventually.TrueAsync(() => restarted.StatusOf("AWS").Failures == 1, "the fetch after start fails");
        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        Assert.True(restarted.StatusOf("AWS").HasData);
        Assert.Contains(restarted.Log.Entries, e => e.EventId == 14 && e.Level == LogLevel.Warning);
        Assert.Empty(restarted.Log.At(LogLevel.Error));
    }

    [Fact]
    public async Task A_restart_with_the_file_unchanged_gets_a_304_and_keeps_the_cached_data()
    {
        await FetchOnceAsync();

        await using var restarted = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], CacheDirectory);
        await restarted.StartAsync();

        await Eventually.TrueAsync(() => restarted.StatusOf("AWS").LastSuccess is not null, "the conditional fetch after start");
        Assert.Equal(1, _server.NotModifiedAnswers);
        Assert.Equal(RangeServer.ETagOf(RangeRefreshTests.Version1), _server.Conditions[^1].IfNoneMatch);
        Assert.Equal("Tue, 30 Jun 2026 12:00:00 GMT", _server.Conditions[^1].IfModifiedSince);
        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        Assert.Single(restarted.Log.Entries, e => e.EventId == 12);
    }

    [Fact]
    public async Task A_restart_after_a_change_starts_from_the_cache_then_swaps_and_updates_it()
    {
        await FetchOnceAsync();
        _server.Body = RangeRefreshTests.Version2;

        await using var restarted = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], CacheDirectory);
        await restarted.StartAsync();

        await Eventually.TrueAsync(() => restarted.Lookup("35.180.1.2") == "AWS/eu-west-1", "the fetched data after start");
        var body = Directory.GetFiles(CacheDirectory, "aws-*.json").Single(f => !f.EndsWith(".meta.json", StringComparison.Ordinal));
        await Eventually.TrueAsync(() => File.ReadAllText(body) == RangeRefreshTests.Version2, "the cache rewritten");
    }

    [Theory]
    [InlineData("body")]
    [InlineData("sidecar")]
    [InlineData("other url")]
    public async Task A_corrupt_cache_is_ignored_and_the_url_fetched(string corrupt)
    {
        await FetchOnceAsync();
        var files = Directory.GetFiles(CacheDirectory, "*.json");
        var body = files.Single(f => !f.EndsWith(".meta.json", StringComparison.Ordinal));
        var sidecar = files.Single(f => f.EndsWith(".meta.json", StringComparison.Ordinal));
        switch (corrupt)
        {
            case "body":
                await File.WriteAllTextAsync(body, RangeRefreshTests.Version1[..40]);
                break;
            case "sidecar":
                await File.WriteAllTextAsync(sidecar, "{ \"eTag\": 12");
                break;
            case "other url":
                await File.WriteAllTextAsync(sidecar, (await File.ReadAllTextAsync(sidecar)).Replace(_server.Url, "https://elsewhere.example/ip-ranges.json", StringComparison.Ordinal));
                break;
        }

        await using var restarted = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], CacheDirectory);
        await restarted.StartAsync();

        var warning = Assert.Single(restarted.Log.Entries, e => e.EventId == 17);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith("Ignoring the cached AWS ranges " + body + ": ", warning.Message, StringComparison.Ordinal);
        Assert.Equal((null, null), _server.Conditions[^1]);
        Assert.Equal("AWS/eu-west-3", restarted.Lookup("35.180.1.2"));
        Assert.Equal(RangeRefreshTests.Version1, await File.ReadAllTextAsync(body));
    }

    [Fact]
    public async Task A_cache_directory_that_cannot_be_created_is_logged_and_the_server_runs_without()
    {
        var file = _directory.Combine("a-file");
        await File.WriteAllTextAsync(file, "not a directory");

        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], Path.Combine(file, "cache"));
        await harness.StartAsync();

        Assert.Equal("AWS/eu-west-3", harness.Lookup("35.180.1.2"));
        Assert.Contains(harness.Log.Entries, e => e.EventId == 18 && e.Level == LogLevel.Warning);
    }

    private async Task FetchOnceAsync()
    {
        await using var first = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], CacheDirectory);
        await first.StartAsync();
        Assert.True(first.StatusOf("AWS").HasData);
    }
}
