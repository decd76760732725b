using System.Net;
using BenchmarkDotNet.Attributes;
using Archeio.Ranges.Table;

namespace Archeio.Benchmarks;

/// <summary>
/// Longest-prefix match over the real AWS + GCP + Azure ranges, for 1,024 addresses per invocation (half inside
/// published prefixes, half anywhere), so the figure is per lookup with the caches as cold as a stream of
/// different clients leaves them. Targets (issue 8): at most 30 ns for IPv4, 60 ns for IPv6, no allocation.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class IpLookupBenchmarks
{
    private const int Batch = 1024;

    private IpRangeTable _table = null!;
    private uint[] _v4 = [];
    private UInt128[] _v6 = [];
    private IPAddress[] _v4Objects = [];
    private IPAddress[] _v6Objects = [];

    [GlobalSetup]
    public void Setup()
    {
        _table = HotPathData.Table;
        var random = new Random(8);
        _v4 = HotPathData.V4Addresses(Batch, random);
        _v6 = HotPathData.V6Addresses(Batch, random);
        _v4Objects = [.. _v4.Select(HotPathData.ToAddress)];
        _v6Objects = [.. _v6.Select(HotPathData.ToAddress)];
    }

    /// <summary>The table's own IPv4 entry point (address as a number).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int LookupV4()
    {
        var found = 0;
        foreach (var address in _v4)
        {
            found += _table.TryLookupV4(address, out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int LookupV6()
    {
        var found = 0;
        foreach (var address in _v6)
        {
            found += _table.TryLookupV6(address, out _) ? 1 : 0;
        }

        return found;
    }

    /// <summary>What the handler calls: the lookup from an <see cref="IPAddress"/>.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int LookupV4Address()
    {
        var found = 0;
        foreach (var address in _v4Objects)
        {
            found += _table.TryLookup(address, out _) ? 1 : 0;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int LookupV6Address()
    {
        var found = 0;
        foreach (var address in _v6Objects)
        {
            found += _table.TryLookup(address, out _) ? 1 : 0;
        }

        return found;
    }
}
