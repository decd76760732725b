using Archeio.Blobs.Cache;
using BenchmarkDotNet.Attributes;

namespace Archeio.Benchmarks;

/// <summary>
/// The cache's three hot operations on a full cache, with the real clock (each operation reads it).
/// Keys are visited in an order unrelated to their insertion, so slots are reached at random as
/// requests would reach them: at 1,000,000 entries most visits miss the CPU caches.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class BlobPresenceCacheBenchmarks
{
    private const int Batch = 1024;

    private BlobPresenceCache _cache = null!;
    private BlobKey[] _held = [];
    private BlobKey[] _missing = [];
    private int _next;

    [Params(10_000, 1_000_000)]
    public int Entries { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _cache = new BlobPresenceCache(Entries, TimeProvider.System);
        _held = RandomKeys.Create(Entries, random);
        foreach (var key in _held)
        {
            _cache.Set(key, present: true, TimeSpan.FromHours(24));
        }

        random.Shuffle(_held);
        _missing = RandomKeys.Create(Entries, random);
        _next = 0;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int TryGetHit() => TryGetBatch(_held);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int TryGetMiss() => TryGetBatch(_missing);

    [Benchmark(OperationsPerInvoke = Batch)]
    public void SetOverwrite()
    {
        var keys = _held;
        var index = _next;
        for (var i = 0; i < Batch; i++)
        {
            _cache.Set(keys[index], present: (i & 1) == 0, TimeSpan.FromHours(24));
            index = index + 1 == keys.Length ? 0 : index + 1;
        }

        _next = index;
    }

    private int TryGetBatch(BlobKey[] keys)
    {
        var index = _next;
        var found = 0;
        for (var i = 0; i < Batch; i++)
        {
            if (_cache.TryGet(keys[index], out _))
            {
                found++;
            }

            index = index + 1 == keys.Length ? 0 : index + 1;
        }

        _next = index;
        return found;
    }
}
