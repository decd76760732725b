using Archeio.Benchmarks;
using BenchmarkDotNet.Running;

// `cache-memory` is a plain measuring run (a fill and its heap and RSS); anything else goes to
// BenchmarkDotNet, e.g. `--filter *BlobPresenceCache*`.
if (args.Length > 0 && args[0] == "cache-memory")
{
    return CacheMemory.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(BlobPresenceCacheBenchmarks).Assembly).Run(args);
return 0;
