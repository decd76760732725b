using System.Globalization;
using System.Runtime.CompilerServices;
using Archeio.Blobs.Cache;

namespace Archeio.Benchmarks;

/// <summary>
/// <c>cache-memory [--entries N] [--capacity N]</c>: fills a <see cref="BlobPresenceCache"/> with
/// <c>entries</c> distinct random keys and prints, every tenth of the way, the managed heap after a full
/// collection, the heap bytes per cached entry and the process's resident set, as a Markdown table.
/// </summary>
internal static class CacheMemory
{
    private const double MiB = 1024 * 1024;

    public static int Run(string[] args)
    {
        var entries = 1_000_000;
        var capacity = 1_000_000;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--entries" when i + 1 < args.Length:
                    entries = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                case "--capacity" when i + 1 < args.Length:
                    capacity = int.Parse(args[++i], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine("usage: cache-memory [--entries N] [--capacity N]");
                    return 2;
            }
        }

        // The heap before the cache exists: what the runtime and this tool hold on their own.
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var cache = new BlobPresenceCache(capacity, TimeProvider.System);
        var random = new Random(1);
        var ttl = TimeSpan.FromHours(24);

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"BlobPresenceCache: {entries:N0} distinct keys into capacity {capacity:N0} ({cache.ShardCount} shards, {Unsafe.SizeOf<BlobPresenceEntry>()}-byte slots); heap before the cache: {baseline / MiB:F1} MiB, RSS {Rss() / MiB:F1} MiB"));
        Console.WriteLine();
        Console.WriteLine("| keys inserted | entries cached | evictions | managed heap (MiB) | heap bytes per cached entry | RSS (MiB) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        var checkpoint = Math.Max(1, entries / 10);
        for (var i = 1; i <= entries; i++)
        {
            // Present and absent answers alike: one bit of the same slot either way.
            cache.Set(RandomKeys.Next(random), present: (i & 1) == 0, ttl);
            if (i % checkpoint == 0 || i == entries)
            {
                var heap = GC.GetTotalMemory(forceFullCollection: true);
                var count = cache.Count;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {i:N0} | {count:N0} | {cache.Evictions:N0} | {heap / MiB:F1} | {(double)(heap - baseline) / count:F1} | {Rss() / MiB:F1} |"));
            }
        }

        GC.KeepAlive(cache);
        return 0;
    }

    /// <summary>Resident set size in bytes, from <c>/proc/self/status</c> (0 where there is none).</summary>
    private static long Rss()
    {
        const string Field = "VmRSS:";
        if (!File.Exists("/proc/self/status"))
        {
            return 0;
        }

        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(Field, StringComparison.Ordinal))
            {
                // "VmRSS:    123456 kB"
                var kilobytes = line[Field.Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
