using System.Threading.Channels;
using Archeio.Sources;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Sources;

/// <summary><see cref="RefreshSchedule"/>: one refresh per tick of the injected clock, and a refresh that throws does not end the schedule.</summary>
public sealed class RefreshScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task A_refresh_runs_on_every_tick_and_one_that_throws_is_reported_and_followed_by_the_next()
    {
        var time = new FakeTimeProvider();
        using var timer = new PeriodicTimer(Interval, time);
        using var stopping = new CancellationTokenSource();
        var ran = Channel.CreateUnbounded<int>();
        var crashes = new List<Exception>();
        var calls = 0;

        var schedule = RefreshSchedule.RunAsync(
            timer,
            _ =>
            {
                var call = ++calls;
                ran.Writer.TryWrite(call);
                return call == 1 ? Task.FromException(new InvalidOperationException("a bug")) : Task.CompletedTask;
            },
            crashes.Add,
            stopping.Token);

        time.Advance(Interval - TimeSpan.FromSeconds(1));
        Assert.False(ran.Reader.TryRead(out _));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await ran.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));
        time.Advance(Interval);
        Assert.Equal(2, await ran.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30)));

        await stopping.CancelAsync();
        await schedule.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("a bug", Assert.Single(crashes).Message);
    }
}
