using Archeio.Configuration;
using Archeio.TestBed;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>File range sources: re-read when their time or length changes, kept when they turn bad.</summary>
public sealed class RangeFileRefreshTests : IDisposable
{
    private static readonly DateTime Written = new(2026, 6, 1, 10, 0, 0, DateTimeKind.Utc);

    private readonly TempDirectory _directory = new("range-files");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task A_file_is_reread_when_it_changes_and_not_otherwise()
    {
        var path = Write(RangeRefreshTests.Version1, Written);
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(path)]);
        await harness.StartAsync();
        Assert.Equal(new DateTimeOffset(Written), harness.StatusOf("AWS").DataTime);
        var before = harness.Holder.Current;
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.False(await harness.Service.RefreshOnceAsync(default));
        Assert.Same(before, harness.Holder.Current);
        Assert.Equal(harness.Time.GetUtcNow(), harness.StatusOf("AWS").LastSuccess);
        Assert.Contains(harness.Log.Entries, e => e.EventId == 13);
        Assert.Single(harness.Log.Entries, e => e.EventId == 10);

        Write(RangeRefreshTests.Version2, Written.AddMinutes(1));
        Assert.True(await harness.Service.RefreshOnceAsync(default));
        Assert.Equal("AWS/eu-west-1", harness.Lookup("35.180.1.2"));
        Assert.Equal("AWS/us-east-1", harness.Lookup("18.34.1.1"));
        Assert.Null(harness.Lookup("52.94.77.1"));
        Assert.Equal(new DateTimeOffset(Written.AddMinutes(1)), harness.StatusOf("AWS").DataTime);
    }

    [Fact]
    public async Task A_file_rewritten_with_the_same_time_but_another_length_is_reread()
    {
        var path = Write(RangeRefreshTests.Version1, Written);
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(path)]);
        await harness.StartAsync();

        Write(RangeFixtures.AwsText(("35.180.0.0/16", "eu-west-1")), Written);

        Assert.True(await harness.Service.RefreshOnceAsync(default));
        Assert.Equal("AWS/eu-west-1", harness.Lookup("35.180.1.2"));
    }

    [Theory]
    [InlineData("bad", "not valid JSON")]
    [InlineData("deleted", "Could not find file")]
    public async Task A_file_that_turns_bad_keeps_its_last_good_data(string change, string expectedError)
    {
        var path = Write(RangeRefreshTests.Version1, Written);
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(path)]);
        await harness.StartAsync();
        var before = harness.Holder.Current;
        if (change == "bad")
        {
            Write("<html>", Written.AddMinutes(1));
        }
        else
        {
            File.Delete(path);
        }

        Assert.False(await harness.Service.RefreshOnceAsync(default));

        Assert.Same(before, harness.Holder.Current);
        var status = harness.StatusOf("AWS");
        Assert.Equal(1, status.Failures);
        Assert.True(status.LastError?.Contains(expectedError, StringComparison.Ordinal), status.LastError);
        Assert.True(status.HasData);
        Assert.Single(harness.Log.Entries, e => e.EventId == 14);

        Write(RangeRefreshTests.Version2, Written.AddMinutes(2));
        Assert.True(await harness.Service.RefreshOnceAsync(default));
        Assert.Equal("AWS/eu-west-1", harness.Lookup("35.180.1.2"));
        Assert.Null(harness.StatusOf("AWS").LastError);
    }

    [Theory]
    [InlineData("missing", "Could not find file")]
    [InlineData("bad", "prefixes: required array is missing")]
    public async Task A_file_that_cannot_be_loaded_at_start_is_a_configuration_error(string state, string expectedError)
    {
        var path = state == "missing" ? _directory.Combine("none.json") : Write("""{ "ipv6_prefixes": [] }""", Written);
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(path)]);

        var error = await Assert.ThrowsAsync<InvalidConfigurationException>(harness.StartAsync);

        Assert.Contains($"AWS source '{path}': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expectedError, error.Message, StringComparison.Ordinal);
        Assert.Empty(harness.Log.At(LogLevel.Error));
    }

    private string Write(string content, DateTime writtenUtc)
    {
        var path = _directory.Combine("aws.json");
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, writtenUtc);
        return path;
    }
}
