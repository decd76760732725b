using Archeio.Configuration;
using Archeio.RateLimiting;
using Archeio.Routing;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Benchmarks;

/// <summary>
/// What a rate limit costs per request (issue 19): the handler's steps without HTTP (gather the facts, check the limit,
/// decide) for the cached blobs of <see cref="HotPathBenchmarks"/> (the same settings, ranges, 1,024 clients and
/// digests), each client its own partition, with no limit (the baseline), a limit by address and one by /24 that never
/// refuses, and one that refuses every request (a 429 decided). The limiter is the server's
/// (<see cref="ClientRateLimiter"/>: the library's partitioned limiter over <see cref="ClockedTokenBucket"/>s), local.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RateLimitBenchmarks : IDisposable
{
    private readonly HotPathBenchmarks _routed = new();
    private ClientRateLimiter _byAddress = null!;
    private ClientRateLimiter _byNetwork = null!;
    private ClientRateLimiter _refusing = null!;

    [GlobalSetup]
    public void Setup()
    {
        _routed.Setup();
        _byAddress = Limiter(ClientPartition.Address, RateLimitSettings.MaxPermits);
        _byNetwork = Limiter(ClientPartition.Network, RateLimitSettings.MaxPermits);
        _refusing = Limiter(ClientPartition.Address, 1);

        // Every client's bucket of the refusing limit empty, and each of the others' made, before measuring.
        for (var i = 0; i < _routed.Targets.Count; i++)
        {
            var facts = _routed.Routing.Gather("GET", _routed.Targets[i], _routed.Peer, _routed.ForwardedFor[i]);
            _ = Now(_refusing.CheckAsync(facts.Client, _routed.Peer));
            _ = Now(_byAddress.CheckAsync(facts.Client, _routed.Peer));
            _ = Now(_byNetwork.CheckAsync(facts.Client, _routed.Peer));
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _byAddress?.Dispose();
        _byNetwork?.Dispose();
        _refusing?.Dispose();
        _routed.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = 1024)]
    public int NoLimit() => Run(null);

    [Benchmark(OperationsPerInvoke = 1024)]
    public int LimitByAddress() => Run(_byAddress);

    [Benchmark(OperationsPerInvoke = 1024)]
    public int LimitByNetwork() => Run(_byNetwork);

    /// <summary>Every request over its limit: the 429 decided (the handler then writes it), nothing routed.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public int EveryRequestRefused() => Run(_refusing);

    /// <summary>RequestRouter.RouteAsync's order, step by step with a limiter of its own: facts, the limit, then the decision.</summary>
    private int Run(ClientRateLimiter? limiter)
    {
        var routing = _routed.Routing;
        var total = 0;
        for (var i = 0; i < _routed.Targets.Count; i++)
        {
            var facts = routing.Gather("GET", _routed.Targets[i], _routed.Peer, _routed.ForwardedFor[i]);
            if (limiter is not null && Now(limiter.CheckAsync(facts.Client, _routed.Peer)) is { } limited)
            {
                total += limited.Limit.Length;
                continue;
            }

            total += Now(routing.Decide(facts, routing.Plan(facts), CancellationToken.None)) is Redirect redirect ? redirect.Location.Length : 0;
        }

        return total;
    }

    /// <summary>A local limit and a cached blob complete synchronously: their result, read without awaiting.</summary>
    private static T Now<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();

    private ClientRateLimiter Limiter(ClientPartition partition, int permits)
        => new(
            _routed.Settings with { RateLimits = [new RateLimitSettings("bench", ClientMatch.Everyone, partition, permits, permits, Shared: false)] },
            TimeProvider.System,
            NullLogger<ClientRateLimiter>.Instance);
}
