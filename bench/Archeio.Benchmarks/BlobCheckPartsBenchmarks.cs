using System.Runtime.InteropServices;
using Archeio.Blobs.Cache;
using BenchmarkDotNet.Attributes;

namespace Archeio.Benchmarks;

/// <summary>
/// What a cache operation is made of, apart from the table itself: reading the clock, hashing the key
/// (and the <see cref="HashCode"/> alternative it replaced), and an uncontended lock.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class BlobCheckPartsBenchmarks
{
    private const int Batch = 1024;

    // Held in a field and called virtually, as the cache does.
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly Lock _lock = new();
    private BlobKey[] _keys = [];
    private int _counter;

    [GlobalSetup]
    public void Setup() => _keys = RandomKeys.Create(Batch, new Random(1));

    [Benchmark(OperationsPerInvoke = Batch)]
    public long SystemClock()
    {
        var sum = 0L;
        for (var i = 0; i < Batch; i++)
        {
            sum += _time.GetTimestamp();
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public uint BlobKeyHashOf()
    {
        var sum = 0u;
        foreach (var key in _keys)
        {
            sum += BlobKeyHash.Of(key.Mirror, key.Digest);
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public uint HashCodeAddBytes()
    {
        var sum = 0u;
        foreach (var key in _keys)
        {
            var digest = key.Digest;
            var hash = default(HashCode);
            hash.Add(key.Mirror);
            hash.AddBytes(MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(in digest, 1)));
            sum += (uint)hash.ToHashCode();
        }

        return sum;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int UncontendedLock()
    {
        for (var i = 0; i < Batch; i++)
        {
            lock (_lock)
            {
                _counter++;
            }
        }

        return _counter;
    }
}
