namespace Archeio.Metrics;

/// <summary>
/// One label set's running count, read by an observable counter at scrape time. Counting is one
/// <see cref="Interlocked.Increment(ref long)"/>: OpenTelemetry's own counter hashes the tag array and finds its data
/// point on every measurement, which was a third of the request path's own CPU under load (perf, docs/performance.md).
/// </summary>
internal sealed class SeriesCounter(KeyValuePair<string, object?>[] tags)
{
    private long _value;

    public KeyValuePair<string, object?>[] Tags { get; } = tags;

    public long Value => Volatile.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);
}
