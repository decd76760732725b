using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Geranos.Tests.Source;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that says when the code under test waits on it: every timer created with a due
/// time is announced, and <see cref="RunAsync{T}"/> moves the clock on exactly to that timer's deadline, only then,
/// and by nothing else. So the delays a test measures on the clock are the delays the code asked for, whatever the
/// machine's load; a client that slept on the real clock instead shows no <see cref="Waits"/>.
/// For code that waits on one timer at a time (retry delays); timers created without a due time are not waits.
/// </summary>
internal sealed class WaitingTimeProvider : FakeTimeProvider
{
    /// <summary>Bounds a run that neither ends nor waits on the clock, so a broken client fails instead of hanging; never used to move time.</summary>
    private static readonly TimeSpan Stuck = TimeSpan.FromSeconds(30);

    private readonly Channel<(DateTimeOffset Deadline, TimeSpan Due)> _timers = Channel.CreateUnbounded<(DateTimeOffset, TimeSpan)>();
    private readonly List<TimeSpan> _waits = [];

    public WaitingTimeProvider()
    {
    }

    public WaitingTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    /// <summary>The due time of every timer <see cref="RunAsync{T}"/> advanced the clock for, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits => _waits;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var deadline = GetUtcNow() + dueTime;
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _timers.Writer.TryWrite((deadline, dueTime));
        }

        return timer;
    }

    /// <summary>Awaits <paramref name="task"/>, moving the clock to each timer's deadline as the code under test starts waiting on it.</summary>
    public async Task<T> RunAsync<T>(Task<T> task)
    {
        var timer = _timers.Reader.ReadAsync().AsTask();
        while (await Task.WhenAny(task, timer).WaitAsync(Stuck).ConfigureAwait(false) == timer)
        {
            var (deadline, due) = await timer.ConfigureAwait(false);
            _waits.Add(due);
            if (deadline > GetUtcNow())
            {
                Advance(deadline - GetUtcNow());
            }

            timer = _timers.Reader.ReadAsync().AsTask();
        }

        return await task.ConfigureAwait(false);
    }
}
