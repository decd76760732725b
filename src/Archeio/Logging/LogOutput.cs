using System.Buffers;
using System.Threading.Channels;

namespace Archeio.Logging;

/// <summary>
/// The server's one writer of standard output: whole lines, queued by any thread without blocking, written in
/// batches by one background task. A request never waits for the log: when the queue is full (the output cannot
/// keep up, e.g. a slow log collector on the pipe) a line is dropped and counted (<see cref="Dropped"/>, the metric
/// <c>archeio_log_lines_dropped_total</c>), and the writer reports the drops itself, at most once per
/// <see cref="WarnEvery"/>, in a line of its own that no full queue can drop. The queue holds at most
/// <see cref="Capacity"/> lines (each in a pooled buffer): memory is bounded whatever the load.
/// </summary>
/// <remarks>
/// Why not the console logger for the access log: its formatter enumerates the message's state and writes each line
/// through <see cref="Console.Out"/> in 256-character pieces (a system call each), and its queue blocks the logging
/// thread when full (docs/performance.md, "The access log"). Other log entries still go through the console logger,
/// whose output the server points here (<see cref="LogOutputWriter"/>), so that lines of both never interleave.
/// A bounded <see cref="Channel"/> (System.Threading.Channels) is the queue: it drops on full and says which item.
/// </remarks>
internal sealed class LogOutput : IAsyncDisposable
{
    /// <summary>Lines queued at most (about 6 MiB of access-log lines).</summary>
    public const int DefaultCapacity = 10_000;

    /// <summary>Bytes gathered before one write to the output.</summary>
    private const int BatchBytes = 64 * 1024;

    /// <summary>
    /// How long the writer lets lines gather after a write before it looks again: a wake-up of the writer per line
    /// (the queue empties as fast as it fills) cost more than formatting the line (AccessLogBenchmarks); with this, a
    /// line reaches standard output at most this late, in batches of whatever came meanwhile.
    /// </summary>
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>How often, at most, the writer reports lines it dropped.</summary>
    public static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private readonly Stream _output;
    private readonly Channel<Line> _queue;
    private Func<long, byte[]>? _dropWarning;
    private readonly TimeProvider _time;
    private readonly Task _writer;
    private readonly TimeSpan _flushInterval;
    private long _dropped;

    /// <param name="output">Where lines go (standard output in the server).</param>
    /// <param name="time">The clock of the drop reports' spacing.</param>
    /// <param name="capacity">Lines queued at most.</param>
    /// <param name="flushInterval">The pause after each write (<see cref="DefaultFlushInterval"/>; zero in tests that drive the clock).</param>
    public LogOutput(Stream output, TimeProvider time, int capacity = DefaultCapacity, TimeSpan? flushInterval = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _output = output;
        _time = time;
        _flushInterval = flushInterval ?? DefaultFlushInterval;
        Capacity = capacity;
        _queue = Channel.CreateBounded<Line>(
            new BoundedChannelOptions(capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true, SingleWriter = false },
            itemDropped: Drop);
        _writer = Task.Run(WriteAllAsync);
    }

    public int Capacity { get; }

    /// <summary>
    /// How the report of dropped lines is written (<see cref="AccessLog.DroppedLine"/> in the configured format), set
    /// once the settings are read: the output exists before them, because the console logger takes it at its start.
    /// Until then drops are counted and reported once it is set.
    /// </summary>
    public void ReportDropsAs(Func<long, byte[]> format) => Interlocked.CompareExchange(ref _dropWarning, format, null);

    /// <summary>Lines dropped since start because the queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Queues one line (its bytes, newline included), or drops it when the queue is full. Never blocks.</summary>
    public void Write(ReadOnlySpan<byte> line)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(line.Length);
        line.CopyTo(buffer);
        WriteOwned(buffer, line.Length);
    }

    /// <summary>Queues a buffer rented from <see cref="ArrayPool{T}.Shared"/>, which this then owns (and returns).</summary>
    public void WriteOwned(byte[] pooled, int length)
    {
        // A full queue refuses the new line through Drop (DropWrite), and TryWrite still says true; false only once
        // the queue is completed at shutdown, when nothing more is written.
        if (!_queue.Writer.TryWrite(new Line(pooled, length)))
        {
            ArrayPool<byte>.Shared.Return(pooled);
        }
    }

    private void Drop(Line line)
    {
        Interlocked.Increment(ref _dropped);
        ArrayPool<byte>.Shared.Return(line.Buffer);
    }

    private async Task WriteAllAsync()
    {
        var batch = new byte[BatchBytes];
        var reported = 0L;
        var lastWarning = _time.GetTimestamp() - (long)(WarnEvery.TotalSeconds * _time.TimestampFrequency);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            var length = 0;
            while (reader.TryRead(out var line))
            {
                if (length + line.Length > batch.Length && length > 0)
                {
                    await WriteAsync(batch, length).ConfigureAwait(false);
                    length = 0;
                }

                if (line.Length > batch.Length)
                {
                    await WriteAsync(line.Buffer, line.Length).ConfigureAwait(false);
                }
                else
                {
                    line.Buffer.AsSpan(0, line.Length).CopyTo(batch.AsSpan(length));
                    length += line.Length;
                }

                ArrayPool<byte>.Shared.Return(line.Buffer);
            }

            var dropped = Dropped;
            if (dropped > reported && _time.GetElapsedTime(lastWarning) >= WarnEvery && Volatile.Read(ref _dropWarning) is { } format)
            {
                var warning = format(dropped - reported);
                if (length + warning.Length > batch.Length)
                {
                    await WriteAsync(batch, length).ConfigureAwait(false);
                    length = 0;
                }

                warning.CopyTo(batch.AsSpan(length));
                length += warning.Length;
                reported = dropped;
                lastWarning = _time.GetTimestamp();
            }

            if (length > 0)
            {
                await WriteAsync(batch, length).ConfigureAwait(false);
            }

            if (_flushInterval > TimeSpan.Zero && !reader.Completion.IsCompleted)
            {
                await Task.Delay(_flushInterval, _time).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteAsync(byte[] buffer, int length)
    {
        try
        {
            await _output.WriteAsync(buffer.AsMemory(0, length)).ConfigureAwait(false);
            await _output.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Standard output closed (the reader of the pipe went away): nothing left to tell; the process goes on.
        }
    }

    /// <summary>Writes what is queued (bounded: a stalled output is left after 5 s), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
    }

    private readonly record struct Line(byte[] Buffer, int Length);
}
