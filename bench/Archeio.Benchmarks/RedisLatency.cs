using System.Diagnostics;
using System.Globalization;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Benchmarks;

/// <summary>
/// <c>redis-latency --redis host:port</c>: what a shared-cache lookup adds to a blob check that misses the
/// local cache: <see cref="RedisBlobResultStore.TryGetAsync"/> timed one call at a time (10,000 after 2,000
/// warm-up calls, over 1,000 keys half of them present), against a running redis-server.
/// </summary>
internal static class RedisLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var index = Array.IndexOf(args, "--redis");
        var connection = index >= 0 && index + 1 < args.Length ? args[index + 1] : "127.0.0.1:6379";
        using var store = new RedisBlobResultStore(connection, TimeProvider.System, NullLogger<RedisBlobResultStore>.Instance);
        for (var attempt = 0; attempt < 100 && !store.IsConnected; attempt++)
        {
            await Task.Delay(50);
        }

        if (!store.IsConnected)
        {
            await Console.Error.WriteLineAsync($"no Redis at {connection}");
            return 2;
        }

        var mirror = new MirrorSettings("bench", "http://127.0.0.1/{digest}");
        var digests = Enumerable.Range(0, 1_000).Select(i => "sha256:" + i.ToString("x64", CultureInfo.InvariantCulture)).ToArray();
        for (var i = 0; i < digests.Length; i += 2)
        {
            store.Set(mirror, digests[i], present: true, TimeSpan.FromMinutes(10));
        }

        await Task.Delay(200);
        for (var i = 0; i < 2_000; i++)
        {
            await store.TryGetAsync(mirror, digests[i % digests.Length], CancellationToken.None);
        }

        var samples = new double[10_000];
        for (var i = 0; i < samples.Length; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await store.TryGetAsync(mirror, digests[i % digests.Length], CancellationToken.None);
            samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        }

        Array.Sort(samples);
        double At(double q) => samples[(int)Math.Min(samples.Length - 1, q * samples.Length)];
        Console.WriteLine("| calls | mean (µs) | p50 (µs) | p90 (µs) | p99 (µs) | max (µs) |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {samples.Length:N0} | {samples.Average():F0} | {At(0.5):F0} | {At(0.9):F0} | {At(0.99):F0} | {samples[^1]:F0} |"));
        return 0;
    }
}
