using System.Text;
using Archeio.Http;
using Archeio.Logging;
using Archeio.TestBed;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Logging;

public sealed class LogOutputTests
{
    [Fact]
    public async Task Lines_from_many_threads_come_out_whole_and_each_once()
    {
        var sink = new MemoryStream();
        var output = new LogOutput(sink, TimeProvider.System, capacityBytes: 16 * 1024 * 1024);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(writer => Task.Run(() =>
        {
            for (var i = 0; i < 5_000; i++)
            {
                output.Write(Encoding.UTF8.GetBytes($"writer {writer} line {i} {new string('x', i % 300)}\n"));
            }
        })));
        await output.DisposeAsync();

        var lines = Encoding.UTF8.GetString(sink.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(20_000, lines.Length);
        Assert.Equal(20_000, lines.Distinct().Count());
        Assert.All(lines, line => Assert.Matches(@"^writer \d line \d+ x*$", line));
        Assert.Equal(0, output.Dropped);
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_without_blocking_and_the_writer_reports_the_drops()
    {
        var sink = new StalledStream();
        var time = new FakeTimeProvider();
        // Room for four lines of 7 bytes ("line 0\n" … "line 3\n").
        var output = new LogOutput(sink, time, capacityBytes: 28, flushInterval: TimeSpan.Zero);
        output.ReportDropsAs(dropped => Encoding.UTF8.GetBytes($"dropped {dropped}\n"));

        output.Write("first\n"u8);
        await sink.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The writer is stuck in the first write: four lines fill the queue, ten more are dropped, none waits.
        var writes = Task.Run(() =>
        {
            for (var i = 0; i < 14; i++)
            {
                output.Write(Encoding.UTF8.GetBytes($"line {i}\n"));
            }
        });
        await writes.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(10, output.Dropped);

        sink.Release.SetResult();
        await output.DisposeAsync();

        Assert.Equal(["first", "line 0", "line 1", "line 2", "line 3", "dropped 10"], sink.Lines);
    }

    [Fact]
    public async Task Drops_are_reported_at_most_once_per_interval_and_then_with_their_count_since_the_last_report()
    {
        var sink = new StalledStream();
        var time = new FakeTimeProvider();
        // Room for one line of 3 bytes ("a1\n").
        var output = new LogOutput(sink, time, capacityBytes: 3, flushInterval: TimeSpan.Zero);
        output.ReportDropsAs(dropped => Encoding.UTF8.GetBytes($"dropped {dropped}\n"));

        await DropTwoAsync(sink, output, "a");
        sink.Release.SetResult();
        await Eventually.TrueAsync(() => sink.Lines.Contains("dropped 2"), "the first report");

        // Within the interval: counted, not reported, even though lines go on being written.
        sink.Stall();
        await DropTwoAsync(sink, output, "b");
        sink.Release.SetResult();
        await Eventually.TrueAsync(() => sink.Lines.Contains("b1"), "the line after the second drops");
        Assert.DoesNotContain("dropped 4", sink.Lines);
        Assert.Equal(1, sink.Lines.Count(l => l.StartsWith("dropped", StringComparison.Ordinal)));

        time.Advance(LogOutput.WarnEvery);
        output.Write("c\n"u8);
        await Eventually.TrueAsync(() => sink.Lines.Contains("dropped 2") && sink.Lines[^1] == "dropped 2" && sink.Lines.Contains("c"), "the second report, of the two since the first");
        await output.DisposeAsync();
        Assert.Equal(4, output.Dropped);
    }

    /// <summary>One line the stalled writer holds, one in the queue, two dropped.</summary>
    private static async Task DropTwoAsync(StalledStream sink, LogOutput output, string name)
    {
        output.Write(Encoding.UTF8.GetBytes(name + "0\n"));
        await sink.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        output.Write(Encoding.UTF8.GetBytes(name + "1\n"));
        output.Write(Encoding.UTF8.GetBytes(name + "2\n"));
        output.Write(Encoding.UTF8.GetBytes(name + "3\n"));
    }

    [Fact]
    public async Task Blocks_taken_while_the_output_lagged_are_not_all_kept_afterwards()
    {
        var sink = new StalledStream();
        var output = new LogOutput(sink, new FakeTimeProvider(), flushInterval: TimeSpan.Zero);
        output.Write("first\n"u8);
        await sink.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // While the writer is stuck, 40 lines of 40 KiB take a 64 KiB block each (two do not fit in one).
        var line = Encoding.UTF8.GetBytes(new string('x', 40 * 1024 - 1) + "\n");
        for (var i = 0; i < 40; i++)
        {
            output.Write(line);
        }

        sink.Release.SetResult();
        await output.DisposeAsync();

        Assert.Equal(41, sink.Lines.Count);
        Assert.Equal(LogOutput.MaxFreeBlocks, output.FreeBlocks);
    }

    [Fact]
    public async Task A_line_longer_than_a_block_comes_out_whole_and_in_order()
    {
        var sink = new MemoryStream();
        var output = new LogOutput(sink, TimeProvider.System);
        var longLine = new string('y', 200_000);

        output.Write("before\n"u8);
        output.Write(Encoding.UTF8.GetBytes(longLine + "\n"));
        output.Write("after\n"u8);
        await output.DisposeAsync();

        Assert.Equal(["before", longLine, "after"], Encoding.UTF8.GetString(sink.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Queuing_a_line_allocates_nothing_once_its_block_exists()
    {
        // Lines are copied into the writer's blocks: no buffer per line (a pooled one per line allocated under load).
        var sink = new StalledStream();
        var output = new LogOutput(sink, TimeProvider.System, flushInterval: TimeSpan.Zero);
        output.Write("first\n"u8);
        await sink.WriteStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var line = Encoding.UTF8.GetBytes(new string('z', 300) + "\n");
        output.Write(line);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 150; i++)
        {
            output.Write(line);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        sink.Release.SetResult();
        await output.DisposeAsync();
        Assert.Equal(152, sink.Lines.Count);
    }

    [Fact]
    public async Task The_console_writer_queues_each_string_as_one_unit()
    {
        var sink = new MemoryStream();
        var output = new LogOutput(sink, TimeProvider.System);
        using var writer = new LogOutputWriter(output);

        writer.Write("one entry\nspanning two lines\n");
        writer.WriteLine("héllo");
        await output.DisposeAsync();

        Assert.Equal("one entry\nspanning two lines\nhéllo" + Environment.NewLine, Encoding.UTF8.GetString(sink.ToArray()));
    }

    /// <summary>An output whose writes wait for <see cref="Release"/> (each time <see cref="Stall"/> re-arms it).</summary>
    private sealed class StalledStream : AsyncWriteOnlyStream
    {
        private readonly List<string> _lines = [];

        public TaskCompletionSource WriteStarted { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Stall()
        {
            WriteStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var text = Encoding.UTF8.GetString(buffer.Span);
            WriteStarted.TrySetResult();
            await Release.Task;
            lock (_lines)
            {
                _lines.AddRange(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
