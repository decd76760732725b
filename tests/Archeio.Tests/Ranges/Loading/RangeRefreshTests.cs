using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// Refreshing URL range sources against a real loopback HTTP server whose file changes, fails or is
/// corrupt between refreshes. Refreshes are driven by <see cref="RangeLoadingService.RefreshOnceAsync"/>
/// (one test proves the timer calls it), time by a fake clock.
/// </summary>
public sealed class RangeRefreshTests : IAsyncLifetime
{
    internal static readonly string Version1 = RangeFixtures.AwsText(("35.180.0.0/16", "eu-west-3"), ("52.94.76.0/22", "us-west-2"));
    internal static readonly string Version2 = RangeFixtures.AwsText(("35.180.0.0/16", "eu-west-1"), ("18.34.0.0/19", "us-east-1"));

    private RangeServer _server = null!;
    private RangeRefreshHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _server = await RangeServer.StartAsync(Version1);
        _harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)]);
    }

    public async Task DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Start_fetches_the_url_and_publishes_its_status()
    {
        _server.LastModified = new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);

        await _harness.StartAsync();

        Assert.Equal("AWS/eu-west-3", _harness.Lookup("35.180.1.2"));
        Assert.Equal("AWS/us-west-2", _harness.Lookup("52.94.77.1"));
        var status = _harness.StatusOf("AWS");
        Assert.True(status.HasData);
        Assert.Equal(2, status.Prefixes);
        Assert.Equal(_server.LastModified, status.DataTime);
        Assert.Equal(_harness.Time.GetUtcNow(), status.LastSuccess);
        Assert.Equal(0, status.Failures);
        Assert.Null(status.LastError);
        Assert.True(_harness.Status.Ready);
        Assert.Equal((null, null), Assert.Single(_server.Conditions));
        Assert.Contains(_harness.Log.Entries, e => e.EventId == 12 && e.Message == "IP range table built: 2 prefixes (AWS 2) in 0.0 ms");
    }

    [Fact]
    public async Task Without_last_modified_the_data_time_is_the_fetch_time()
    {
        await _harness.StartAsync();

        Assert.Equal(_harness.Time.GetUtcNow(), _harness.StatusOf("AWS").DataTime);
    }

    [Fact]
    public async Task Changed_content_swaps_the_table()
    {
        await _harness.StartAsync();
        var before = _harness.Holder.Current;
        _server.Body = Version2;
        _harness.Time.Advance(TimeSpan.FromHours(1));

        Assert.True(await _harness.Service.RefreshOnceAsync(default));

        Assert.NotSame(before, _harness.Holder.Current);
        Assert.Equal("AWS/eu-west-1", _harness.Lookup("35.180.1.2"));
        Assert.Equal("AWS/us-east-1", _harness.Lookup("18.34.1.1"));
        Assert.Null(_harness.Lookup("52.94.77.1"));
        Assert.Equal("AWS/eu-west-3", RangeRefreshHarness.Lookup(before, "35.180.1.2"));
        var status = _harness.StatusOf("AWS");
        Assert.Equal(_harness.Time.GetUtcNow(), status.LastSuccess);
        Assert.Equal(_harness.Time.GetUtcNow(), status.DataTime);
        Assert.Equal(2, status.Prefixes);
        Assert.Equal(2, _harness.Log.Entries.Count(e => e.EventId == 12));
        Assert.Equal(RangeServer.ETagOf(Version1), _server.Conditions[^1].IfNoneMatch);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_unchanged_file_costs_a_304_and_nothing_is_rebuilt(bool etag)
    {
        _server.SendETag = etag;
        _server.LastModified = new DateTimeOffset(2026, 6, 30, 12, 0, 0, TimeSpan.Zero);
        await _harness.StartAsync();
        var before = _harness.Holder.Current;
        _harness.Time.Advance(TimeSpan.FromHours(1));

        Assert.False(await _harness.Service.RefreshOnceAsync(default));

        Assert.Same(before, _harness.Holder.Current);
        Assert.Equal(1, _server.NotModifiedAnswers);
        var conditions = _server.Conditions[^1];
        Assert.Equal(etag ? RangeServer.ETagOf(Version1) : null, conditions.IfNoneMatch);
        Assert.Equal("Tue, 30 Jun 2026 12:00:00 GMT", conditions.IfModifiedSince);
        var status = _harness.StatusOf("AWS");
        Assert.Equal(_harness.Time.GetUtcNow(), status.LastSuccess);
        Assert.Equal(_server.LastModified, status.DataTime);
        Assert.Equal(0, status.Failures);
        Assert.Single(_harness.Log.Entries, e => e.EventId == 12);
        Assert.Contains(_harness.Log.Entries, e => e.EventId == 13 && e.Level == LogLevel.Debug);
    }

    public static TheoryData<string, string> BadAnswers => new()
    {
        { "500", "the server answered 500 Internal Server Error" },
        { "refused", "Connection refused" },
        { "corrupt JSON", "not valid JSON" },
        { "wrong shape", "ipv6_prefixes: required array is missing" },
        { "truncated", "ended prematurely" },
        { "bad prefix", "prefixes[0].ip_prefix: '35.180.0/16' is not a CIDR prefix" },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task A_bad_refresh_keeps_the_last_good_data(string answer, string expectedError)
    {
        await _harness.StartAsync();
        var before = _harness.Holder.Current;
        switch (answer)
        {
            case "500":
                _server.Misbehave = context =>
                {
                    context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                    return Task.CompletedTask;
                };
                break;
            case "refused":
                await _server.DisposeAsync();
                break;
            case "corrupt JSON":
                _server.Body = Version2[..^20] + "<html>";
                break;
            case "wrong shape":
                _server.Body = """{ "prefixes": [] }""";
                break;
            case "truncated":
                _server.Misbehave = RangeServer.Truncate(Version2);
                break;
            case "bad prefix":
                _server.Body = RangeFixtures.AwsText(("35.180.0/16", "eu-west-1"));
                break;
        }

        Assert.False(await _harness.Service.RefreshOnceAsync(default));

        AssertKept(before, expectedError);
        var warning = Assert.Single(_harness.Log.Entries, e => e.EventId == 14);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.StartsWith($"Could not refresh the AWS ranges from {_server.Url}: ", warning.Message, StringComparison.Ordinal);
        Assert.EndsWith("Keeping the previous data (2 prefixes, of 2026-07-01 08:00:00Z).", warning.Message, StringComparison.Ordinal);

        // A bad answer is not remembered as the current version: once fixed, the next refresh loads it.
        _server.Misbehave = null;
        _server.Body = Version2;
        if (answer != "refused")
        {
            Assert.True(await _harness.Service.RefreshOnceAsync(default));
            Assert.Equal("AWS/eu-west-1", _harness.Lookup("35.180.1.2"));
            Assert.Null(_harness.StatusOf("AWS").LastError);
            Assert.Equal(1, _harness.StatusOf("AWS").Failures);
        }
    }

    [Fact]
    public async Task A_server_that_never_answers_is_given_up_after_the_fetch_timeout()
    {
        await _harness.StartAsync();
        var before = _harness.Holder.Current;
        _server.Misbehave = RangeServer.Hang;

        var refresh = _harness.Service.RefreshOnceAsync(default);
        await Eventually.TrueAsync(() => _server.Conditions.Count == 2, "the refresh request reaches the server");
        _harness.Time.Advance(RangeRefreshHarness.FetchTimeout - TimeSpan.FromSeconds(1));
        Assert.False(refresh.IsCompleted);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));

        Assert.False(await refresh.WaitAsync(TimeSpan.FromSeconds(10)));
        AssertKept(before, "timed out after 00:00:10");
    }

    [Fact]
    public async Task Two_sources_one_failing_the_other_still_updates()
    {
        await using var other = await RangeServer.StartAsync(RangeFixtures.AwsText(("198.51.100.0/24", "there")));
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url), RangeRefreshHarness.Aws(other.Url, "Other")]);
        await harness.StartAsync();
        Assert.Equal("Other/there", harness.Lookup("198.51.100.7"));
        _server.Body = Version2;
        other.Body = "{ not json";

        Assert.True(await harness.Service.RefreshOnceAsync(default));

        Assert.Equal("AWS/eu-west-1", harness.Lookup("35.180.1.2"));
        Assert.Equal("Other/there", harness.Lookup("198.51.100.7"));
        Assert.Null(harness.StatusOf("AWS").LastError);
        Assert.Equal(1, harness.StatusOf("Other").Failures);
        Assert.StartsWith("not valid JSON", harness.StatusOf("Other").LastError, StringComparison.Ordinal);
        Assert.True(harness.StatusOf("Other").HasData);
        Assert.Contains(harness.Log.Entries, e => e.EventId == 12 && e.Message.Contains("(AWS 2, Other 1)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_timer_refreshes_every_interval_and_stops_on_shutdown()
    {
        await _harness.StartAsync();
        _server.Body = Version2;

        _harness.Time.Advance(RangeRefreshHarness.Interval - TimeSpan.FromSeconds(1));
        Assert.Single(_server.Conditions);
        _harness.Time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _harness.Lookup("35.180.1.2") == "AWS/eu-west-1", "the refreshed table");
        await Eventually.TrueAsync(() => _harness.StatusOf("AWS").LastSuccess == _harness.Time.GetUtcNow(), "the status");

        _harness.Time.Advance(RangeRefreshHarness.Interval);
        await Eventually.TrueAsync(() => _server.NotModifiedAnswers == 1, "the next refresh, a 304");

        await _harness.Service.StopAsync(default).WaitAsync(TimeSpan.FromSeconds(10));
        _harness.Time.Advance(RangeRefreshHarness.Interval);
        Assert.Equal(3, _server.Conditions.Count);
    }

    [Fact]
    public async Task An_azure_url_that_is_gone_says_the_dated_file_needs_updating()
    {
        var azure = new RangeSourceSettings("Azure", RangeFormat.Azure, _server.Url.Replace("ip-ranges.json", "ServiceTags_Public_20240101.json", StringComparison.Ordinal));
        await using var harness = RangeRefreshHarness.Create([azure]);
        _server.Misbehave = context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        };

        await harness.StartAsync();

        var error = harness.StatusOf("Azure").LastError;
        Assert.StartsWith("the server answered 404 Not Found; Microsoft removes dated ServiceTags_Public_YYYYMMDD.json files", error, StringComparison.Ordinal);
        Assert.Contains(RangeSourceReader.AzureDownloadPage, error, StringComparison.Ordinal);
        var line = Assert.Single(harness.Log.At(LogLevel.Error));
        Assert.Contains(error!, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_lookup_racing_refreshes_sees_the_old_table_or_the_new_one()
    {
        await _harness.StartAsync();
        using var stop = new CancellationTokenSource();
        var unexpected = 0;
        var lookups = 0;
        var reader = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                var found = _harness.Lookup("35.180.1.2");
                if (found is not ("AWS/eu-west-3" or "AWS/eu-west-1"))
                {
                    Interlocked.Increment(ref unexpected);
                }

                lookups++;
            }
        });

        for (var i = 0; i < 40; i++)
        {
            _server.Body = i % 2 == 0 ? Version2 : Version1;
            Assert.True(await _harness.Service.RefreshOnceAsync(default));
        }

        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, unexpected);
        Assert.True(lookups > 0);
        Assert.Equal("AWS/eu-west-3", _harness.Lookup("35.180.1.2"));
    }

    private void AssertKept(IpRangeTable before, string expectedError)
    {
        Assert.Same(before, _harness.Holder.Current);
        Assert.Equal("AWS/eu-west-3", _harness.Lookup("35.180.1.2"));
        var status = _harness.StatusOf("AWS");
        Assert.True(status.HasData);
        Assert.Equal(2, status.Prefixes);
        Assert.Equal(1, status.Failures);
        Assert.True(status.LastError?.Contains(expectedError, StringComparison.Ordinal), status.LastError);
        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero), status.LastSuccess);
    }
}
