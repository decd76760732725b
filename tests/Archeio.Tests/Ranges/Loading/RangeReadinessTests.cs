using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>A URL source with no data at start: the server starts, says so, and is ready or not as configured.</summary>
public sealed class RangeReadinessTests : IAsyncLifetime
{
    private RangeServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await RangeServer.StartAsync(RangeRefreshTests.Version1);
        _server.Misbehave = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task No_data_at_start_starts_anyway_and_is_ready_unless_required(bool requireAtStart)
    {
        await using var harness = RangeRefreshHarness.Create([RangeRefreshHarness.Aws(_server.Url)], requireAtStart: requireAtStart);

        await harness.StartAsync();

        Assert.Null(harness.Lookup("35.180.1.2"));
        Assert.Equal(!requireAtStart, harness.Status.Ready);
        var status = harness.StatusOf("AWS");
        Assert.False(status.HasData);
        Assert.Equal(1, status.Failures);
        Assert.Equal("the server answered 503 Service Unavailable", status.LastError);
        var line = Assert.Single(harness.Log.At(LogLevel.Error));
        Assert.StartsWith($"Could not load the AWS ranges from {_server.Url}: the server answered 503 Service Unavailable. Starting with that cloud unknown to routing", line, StringComparison.Ordinal);
        Assert.Equal(requireAtStart, line.Contains("/readyz reports not ready", StringComparison.Ordinal));

        // A failure before the first success is still an error; the first success makes it ready.
        Assert.False(await harness.Service.RefreshOnceAsync(default));
        Assert.Equal(!requireAtStart, harness.Status.Ready);
        Assert.Contains(harness.Log.Entries, e => e.EventId == 15 && e.Level == LogLevel.Error);
        _server.Misbehave = null;
        Assert.True(await harness.Service.RefreshOnceAsync(default));
        Assert.True(harness.Status.Ready);
        Assert.Equal("AWS/eu-west-3", harness.Lookup("35.180.1.2"));
        Assert.Equal(2, harness.StatusOf("AWS").Failures);
        Assert.Null(harness.StatusOf("AWS").LastError);
    }
}
