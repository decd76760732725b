using Archeio.Configuration;
using Archeio.Hosting;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Tests.Support;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Hosting;

public sealed class ReadinessTests
{
    private static readonly RangeSourceSettings Aws = new("AWS", RangeFormat.Aws, "https://aws.example/ip-ranges.json");

    [Theory]
    [InlineData(false, false, false, "starting")]
    [InlineData(true, false, false, null)]
    [InlineData(true, true, false, "no range data yet for AWS")]
    [InlineData(true, true, true, null)]
    public void Ready_once_started_with_the_range_data_required(bool started, bool requireAtStart, bool hasData, string? reason)
    {
        var (readiness, lifetime, status) = Create(requireAtStart);
        if (started)
        {
            lifetime.NotifyStarted();
        }

        if (hasData)
        {
            status.Update(new RangeSourceStatus(Aws.Cloud, Aws.Source, 10, true, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 0, null));
        }

        Assert.Equal(reason, readiness.NotReadyReason());
        Assert.Equal(reason is null, readiness.IsReady);
    }

    [Fact]
    public void Stopping_ends_readiness()
    {
        var (readiness, lifetime, _) = Create(false);
        lifetime.NotifyStarted();

        lifetime.StopApplication();

        Assert.Equal("shutting down", readiness.NotReadyReason());
    }

    [Fact]
    public async Task The_drain_ends_readiness_at_once_and_lasts_Shutdown_Drain_on_the_injected_clock()
    {
        var (readiness, lifetime, _) = Create(false);
        lifetime.NotifyStarted();
        var time = new FakeTimeProvider();
        var settings = TestSettings.Create() with { Shutdown = new ShutdownSettings(TimeSpan.FromSeconds(5)) };
        var drain = new DrainService(settings, readiness, time, NullLogger<DrainService>.Instance);

        var stopping = drain.StoppingAsync(CancellationToken.None);

        Assert.False(readiness.IsReady);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(stopping.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await stopping.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_zero_drain_does_not_wait()
    {
        var (readiness, _, _) = Create(false);
        var settings = TestSettings.Create() with { Shutdown = new ShutdownSettings(TimeSpan.Zero) };
        var drain = new DrainService(settings, readiness, new FakeTimeProvider(), NullLogger<DrainService>.Instance);

        await drain.StoppingAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("shutting down", readiness.NotReadyReason());
    }

    private static (Readiness Readiness, ApplicationLifetime Lifetime, RangeStatus Status) Create(bool requireAtStart)
    {
        var settings = TestSettings.Create() with
        {
            Ranges = [Aws],
            RangesRefresh = RangesRefreshSettings.Default with { RequireAtStart = requireAtStart },
        };
        var status = new RangeStatus(settings);
        var lifetime = new ApplicationLifetime(NullLogger<ApplicationLifetime>.Instance);
        return (new Readiness(status, lifetime), lifetime, status);
    }
}
