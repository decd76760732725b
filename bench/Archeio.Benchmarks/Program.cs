using Archeio.Benchmarks;
using BenchmarkDotNet.Running;

// `cache-memory`, `server-rss`, `redis-latency` and `dashboard-traffic` are plain measuring runs (a fill and its heap and RSS); anything else goes to
// BenchmarkDotNet, e.g. `--filter *BlobPresenceCache*`.
if (args.Length > 0 && args[0] == "cache-memory")
{
    return CacheMemory.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "server-rss")
{
    return await ServerRss.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "dashboard-traffic")
{
    return await DashboardTraffic.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "redis-latency")
{
    return await RedisLatency.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(BlobPresenceCacheBenchmarks).Assembly).Run(args);
return 0;
