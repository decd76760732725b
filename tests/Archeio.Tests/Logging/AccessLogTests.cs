using System.Text;
using System.Text.Json;
using Archeio.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Logging;

public sealed class AccessLogTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 13, 41, 36, 155, TimeSpan.Zero);

    private static readonly AccessEntry Entry = new(
        "GET", "/v2/pause/manifests/3.10", 307, "203.0.113.7", "AWS", "eu-west-3", "upstream", "us-central1-docker.pkg.dev", 41.2525);

    [Fact]
    public async Task A_json_line_has_every_field_the_console_formatter_wrote()
    {
        var line = JsonDocument.Parse(await WriteAsync(json: true, Entry)).RootElement;

        Assert.Equal(["Timestamp", "EventId", "LogLevel", "Category", "Message", "State"], line.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2026-12-03T13:41:36.155Z", line.GetProperty("Timestamp").GetString());
        Assert.Equal(1, line.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", line.GetProperty("LogLevel").GetString());
        Assert.Equal("Archeio.Hosting.RegistryHandler", line.GetProperty("Category").GetString());
        Assert.Equal(
            "GET /v2/pause/manifests/3.10 307 client=203.0.113.7 cloud=AWS region=eu-west-3 decision=upstream target=us-central1-docker.pkg.dev 41.252ms",
            line.GetProperty("Message").GetString());
        var state = line.GetProperty("State");
        Assert.Equal(
            ["Method", "Path", "Status", "ClientIp", "Cloud", "Region", "Decision", "TargetHost", "DurationMs", "{OriginalFormat}"],
            state.EnumerateObject().Select(p => p.Name));
        Assert.Equal("GET", state.GetProperty("Method").GetString());
        Assert.Equal("/v2/pause/manifests/3.10", state.GetProperty("Path").GetString());
        Assert.Equal(307, state.GetProperty("Status").GetInt32());
        Assert.Equal("203.0.113.7", state.GetProperty("ClientIp").GetString());
        Assert.Equal("AWS", state.GetProperty("Cloud").GetString());
        Assert.Equal("eu-west-3", state.GetProperty("Region").GetString());
        Assert.Equal("upstream", state.GetProperty("Decision").GetString());
        Assert.Equal("us-central1-docker.pkg.dev", state.GetProperty("TargetHost").GetString());
        Assert.Equal(41.2525, state.GetProperty("DurationMs").GetDouble());
        Assert.Equal(AccessLog.OriginalFormat, state.GetProperty("{OriginalFormat}").GetString());
    }

    [Theory]
    [InlineData("/v2/a\"b\\c/manifests/x")]
    [InlineData("/v2/caf\u00e9/\u00fc\u4e2d/blobs/x")]
    [InlineData("/v2/x\u0001\u001f/y")]
    [InlineData("/v2/</script>&+'")]
    public async Task Any_path_stays_one_line_of_valid_json_with_the_path_as_it_was(string path)
    {
        var text = await WriteAsync(json: true, Entry with { Path = path });

        Assert.Equal(1, text.Count(c => c == '\n'));
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        var line = JsonDocument.Parse(text).RootElement;
        Assert.Equal(path, line.GetProperty("State").GetProperty("Path").GetString());
        Assert.Contains(path, line.GetProperty("Message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_plain_line_is_the_simple_formatter_s_single_line()
    {
        var text = await WriteAsync(json: false, Entry);

        Assert.Equal(
            "2026-12-03T13:41:36.155Z info: Archeio.Hosting.RegistryHandler[1] GET /v2/pause/manifests/3.10 307 client=203.0.113.7 cloud=AWS region=eu-west-3 decision=upstream target=us-central1-docker.pkg.dev 41.252ms\n",
            text);
    }

    [Fact]
    public async Task Each_line_has_its_own_time_to_the_millisecond_across_seconds_and_a_clock_set_back()
    {
        // The formatted second is reused within a second: a line in the next second, the next day, or after the
        // clock was set back must not carry the earlier one.
        DateTimeOffset[] times =
        [
            Now, Now.AddMilliseconds(1), Now.AddMilliseconds(844), Now.AddMilliseconds(845), Now.AddDays(1).AddTicks(9_999),
            Now.AddSeconds(-1), new(2027, 1, 1, 0, 0, 0, 7, TimeSpan.Zero), new(2027, 1, 1, 3, 0, 0, 7, TimeSpan.FromHours(3)),
        ];
        var sink = new MemoryStream();
        var time = new SettableClock();
        var output = new LogOutput(sink, time, flushInterval: TimeSpan.Zero);
        var log = new AccessLog(output, json: true, enabled: true, time);

        foreach (var t in times)
        {
            time.Now = t;
            log.Write(Entry);
        }

        await output.DisposeAsync();

        var stamps = Encoding.UTF8.GetString(sink.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("Timestamp").GetString());
        Assert.Equal(
            ["2026-12-03T13:41:36.155Z", "2026-12-03T13:41:36.156Z", "2026-12-03T13:41:36.999Z", "2026-12-03T13:41:37.000Z",
             "2026-12-04T13:41:36.155Z", "2026-12-03T13:41:35.155Z", "2027-01-01T00:00:00.007Z", "2027-01-01T00:00:00.007Z"],
            stamps);
    }

    [Fact]
    public async Task A_long_path_is_written_whole()
    {
        var path = "/v2/" + new string('a', 9000) + "/blobs/x";

        var line = JsonDocument.Parse(await WriteAsync(json: true, Entry with { Path = path })).RootElement;

        Assert.Equal(path, line.GetProperty("State").GetProperty("Path").GetString());
    }

    [Fact]
    public async Task Switched_off_by_the_logging_levels_it_writes_nothing()
    {
        var sink = new MemoryStream();
        var output = new LogOutput(sink, TimeProvider.System);
        var log = new AccessLog(output, json: true, enabled: false, TimeProvider.System);

        log.Write(Entry);
        await output.DisposeAsync();

        Assert.False(log.Enabled);
        Assert.Empty(sink.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_drop_report_is_a_warning_line_in_the_same_format(bool json)
    {
        var text = Encoding.UTF8.GetString(AccessLog.DroppedLine(json, Now, 17));

        if (json)
        {
            var line = JsonDocument.Parse(text).RootElement;
            Assert.Equal(2, line.GetProperty("EventId").GetInt32());
            Assert.Equal("Warning", line.GetProperty("LogLevel").GetString());
            Assert.Equal(17, line.GetProperty("State").GetProperty("Dropped").GetInt64());
            Assert.StartsWith("17 log lines dropped", line.GetProperty("Message").GetString(), StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("2026-12-03T13:41:36.155Z warn: Archeio.Logging.LogOutput[2] 17 log lines dropped since the last report: standard output did not keep up\n", text);
        }
    }

    private static async Task<string> WriteAsync(bool json, AccessEntry entry)
    {
        var sink = new MemoryStream();
        var time = new FakeTimeProvider(Now);
        var output = new LogOutput(sink, time, flushInterval: TimeSpan.Zero);
        var log = new AccessLog(output, json, enabled: true, time);

        log.Write(entry);
        await output.DisposeAsync();
        return Encoding.UTF8.GetString(sink.ToArray());
    }

    /// <summary>A clock that can also be set back (FakeTimeProvider only moves forward).</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = AccessLogTests.Now;

        public override DateTimeOffset GetUtcNow() => Now;
    }
}
