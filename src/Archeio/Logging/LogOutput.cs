namespace Archeio.Logging;

/// <summary>
/// The server's one writer of standard output: whole lines, queued by any thread without blocking, written in
/// batches by one background task. A request never waits for the log: when the queue is full (the output cannot
/// keep up, e.g. a slow log collector on the pipe) a line is dropped and counted (<see cref="Dropped"/>, the metric
/// <c>archeio_log_lines_dropped_total</c>), and the writer reports the drops itself, at most once per
/// <see cref="WarnEvery"/>, in a line of its own that no full queue can drop. The queue holds at most
/// <see cref="CapacityBytes"/> bytes of lines: memory is bounded whatever the load.
/// </summary>
/// <remarks>
/// Why not the console logger for the access log: its formatter enumerates the message's state and writes each line
/// through <see cref="Console.Out"/> in 256-character pieces (a system call each), and its queue blocks the logging
/// thread when full (docs/performance.md, "The access log"). Other log entries still go through the console logger,
/// whose output the server points here (<see cref="LogOutputWriter"/>), so that lines of both never interleave.
/// <para>
/// Why by hand and not a <c>Channel</c> of pooled buffers (what this was first): lines are copied, in order, under one
/// short lock, into 64 KiB blocks that the writer takes whole and gives back, so a line allocates nothing. A pooled
/// buffer per line did: with the writer batching every 10 ms, 60,000 lines a second keep hundreds of buffers in flight,
/// more than <c>ArrayPool.Shared</c> keeps per size, so most rents allocated and most returns were dropped — about
/// 900 B of garbage per request (docs/performance.md, "The access log's own writer").
/// </para>
/// </remarks>
internal sealed class LogOutput : IAsyncDisposable
{
    /// <summary>Bytes of lines queued at most (about 10,000 access-log lines).</summary>
    public const int DefaultCapacityBytes = 8 * 1024 * 1024;

    /// <summary>One block of lines, the writer's unit (one write to the output each); a longer line has its own.</summary>
    private const int BlockBytes = 64 * 1024;

    /// <summary>
    /// Written blocks kept for reuse at most (1 MiB): a steady 50,000 lines a second fill about five blocks between two
    /// writes. Blocks beyond it, taken while standard output lagged, go back to the GC instead of staying resident for
    /// the process's life (bench/memory.sh, docs/performance.md "Memory under load, second look").
    /// </summary>
    public const int MaxFreeBlocks = 16;

    /// <summary>
    /// How long the writer lets lines gather after a write before it looks again: a wake-up of the writer per line
    /// (the queue empties as fast as it fills) cost more than formatting the line (AccessLogBenchmarks); with this, a
    /// line reaches standard output at most this late, in batches of whatever came meanwhile.
    /// </summary>
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>How often, at most, the writer reports lines it dropped.</summary>
    public static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(10);

    private readonly Stream _output;
    private readonly TimeProvider _time;
    private readonly TimeSpan _flushInterval;
    private readonly Task _writer;

    /// <summary>Wakes the writer when it waits for lines (released once per wait: see <see cref="_writerWaiting"/>).</summary>
    private readonly SemaphoreSlim _wake = new(0, 1);

    // Everything below is guarded by _gate.
    private readonly Lock _gate = new();
    private readonly Queue<Block> _filled = new();
    private readonly Stack<byte[]> _free = new(MaxFreeBlocks);
    private byte[]? _current;
    private int _currentLength;
    private long _queuedBytes;
    private bool _writerWaiting;
    private bool _completed;

    private Func<long, byte[]>? _dropWarning;
    private long _dropped;

    /// <summary>Written blocks waiting for reuse (for tests: never above <see cref="MaxFreeBlocks"/>).</summary>
    internal int FreeBlocks
    {
        get
        {
            lock (_gate)
            {
                return _free.Count;
            }
        }
    }

    /// <param name="output">Where lines go (standard output in the server).</param>
    /// <param name="time">The clock of the drop reports' spacing.</param>
    /// <param name="capacityBytes">Bytes of lines queued at most.</param>
    /// <param name="flushInterval">The pause after each write (<see cref="DefaultFlushInterval"/>; zero in tests that drive the clock).</param>
    public LogOutput(Stream output, TimeProvider time, int capacityBytes = DefaultCapacityBytes, TimeSpan? flushInterval = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacityBytes, 1);
        _output = output;
        _time = time;
        _flushInterval = flushInterval ?? DefaultFlushInterval;
        CapacityBytes = capacityBytes;
        _writer = Task.Run(WriteAllAsync);
    }

    public int CapacityBytes { get; }

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
        if (line.IsEmpty)
        {
            return;
        }

        bool wake;
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            if (_queuedBytes + line.Length > CapacityBytes)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            if (line.Length > BlockBytes)
            {
                // Rare (an exception's stack in a console entry): its own array, never reused.
                EndCurrent();
                _filled.Enqueue(new Block(line.ToArray(), line.Length, Reusable: false));
            }
            else
            {
                if (_current is null || _currentLength + line.Length > _current.Length)
                {
                    EndCurrent();
                    _current = _free.Count > 0 ? _free.Pop() : new byte[BlockBytes];
                }

                line.CopyTo(_current.AsSpan(_currentLength));
                _currentLength += line.Length;
            }

            _queuedBytes += line.Length;
            wake = _writerWaiting;
            _writerWaiting = false;
        }

        if (wake)
        {
            _wake.Release();
        }
    }

    /// <summary>Moves the block being filled to the writer's queue (under <see cref="_gate"/>).</summary>
    private void EndCurrent()
    {
        if (_current is not null && _currentLength > 0)
        {
            _filled.Enqueue(new Block(_current, _currentLength, Reusable: true));
            _current = null;
            _currentLength = 0;
        }
    }

    private async Task WriteAllAsync()
    {
        var batch = new List<Block>();
        var reported = 0L;
        var lastWarning = _time.GetTimestamp() - (long)(WarnEvery.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            bool wait, last;
            lock (_gate)
            {
                EndCurrent();
                batch.AddRange(_filled);
                _filled.Clear();
                _queuedBytes = 0;
                last = _completed;
                wait = batch.Count == 0 && !last;
                _writerWaiting = wait;
            }

            if (wait)
            {
                await _wake.WaitAsync().ConfigureAwait(false);
                continue;
            }

            // Counted when the batch was taken, so that the report follows the lines written before the drops.
            var dropped = Dropped;
            byte[]? warning = null;
            if (dropped > reported && _time.GetElapsedTime(lastWarning) >= WarnEvery && Volatile.Read(ref _dropWarning) is { } format)
            {
                warning = format(dropped - reported);
                reported = dropped;
                lastWarning = _time.GetTimestamp();
            }

            foreach (var block in batch)
            {
                await WriteAsync(block.Buffer, block.Length).ConfigureAwait(false);
            }

            if (warning is not null)
            {
                await WriteAsync(warning, warning.Length).ConfigureAwait(false);
            }

            await FlushAsync().ConfigureAwait(false);
            lock (_gate)
            {
                foreach (var block in batch)
                {
                    if (block.Reusable && _free.Count < MaxFreeBlocks)
                    {
                        _free.Push(block.Buffer);
                    }
                }
            }

            batch.Clear();
            if (last)
            {
                return;
            }

            if (_flushInterval > TimeSpan.Zero)
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
        }
        catch (IOException)
        {
            // Standard output closed (the reader of the pipe went away): nothing left to tell; the process goes on.
        }
    }

    private async Task FlushAsync()
    {
        try
        {
            await _output.FlushAsync().ConfigureAwait(false);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Writes what is queued (bounded: a stalled output is left after 5 s), then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        bool wake;
        lock (_gate)
        {
            _completed = true;
            wake = _writerWaiting;
            _writerWaiting = false;
        }

        if (wake)
        {
            _wake.Release();
        }

        await Task.WhenAny(_writer, Task.Delay(TimeSpan.FromSeconds(5), _time)).ConfigureAwait(false);
    }

    /// <summary>Lines the writer takes whole: a block (<paramref name="Reusable"/>, back to the free list after) or one long line.</summary>
    private readonly record struct Block(byte[] Buffer, int Length, bool Reusable);
}
