using BenchmarkDotNet.Attributes;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Benchmarks;

/// <summary>
/// What a start spends on the real AWS + GCP + Azure files (3.1 MB of JSON, 32,529 listed prefixes), one piece at a
/// time and in one thread (the server reads the sources side by side): parsing the JSON with the provider parsers,
/// decoding the three <see cref="RangeSnapshot"/>s instead (hash of the body included, as a start checks it), and
/// building the <see cref="IpRangeTable"/> from the prefixes. Target (issue 8): the lookup structure from the three
/// files in at most 40 ms.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class RangeLoadBenchmarks
{
    private (RangeFormat Format, byte[] Body, string Cloud, byte[] Snapshot)[] _sources = [];
    private IReadOnlyList<CloudPrefix> _prefixes = [];

    [GlobalSetup]
    public void Setup()
    {
        _sources = [.. HotPathData.Files.Select(f =>
        {
            var prefixes = RangeParser.Parse(f.Format, new MemoryStream(f.Body, writable: false), f.Cloud);
            return (f.Format, f.Body, f.Cloud, RangeSnapshot.Encode(f.Format, RangeSnapshot.HashOf(f.Body), f.Cloud, prefixes));
        })];
        _prefixes = HotPathData.Prefixes;
    }

    [Benchmark]
    public int ParseJson()
    {
        var count = 0;
        foreach (var (format, body, cloud, _) in _sources)
        {
            count += RangeParser.Parse(format, new MemoryStream(body, writable: false), cloud).Count;
        }

        return count;
    }

    [Benchmark]
    public int HashAndDecodeSnapshots()
    {
        var count = 0;
        foreach (var (format, body, cloud, snapshot) in _sources)
        {
            if (!RangeSnapshot.TryDecode(snapshot, format, RangeSnapshot.HashOf(body), cloud, out var prefixes))
            {
                throw new InvalidOperationException("the snapshot does not match");
            }

            count += prefixes.Count;
        }

        return count;
    }

    [Benchmark]
    public int BuildTable() => IpRangeTable.Build(_prefixes).Count;

    /// <summary>What a start from snapshots does in all: decode the three, then build the table.</summary>
    [Benchmark]
    public int SnapshotsThenTable()
    {
        var all = new List<CloudPrefix>(_prefixes.Count);
        foreach (var (format, body, cloud, snapshot) in _sources)
        {
            _ = RangeSnapshot.TryDecode(snapshot, format, RangeSnapshot.HashOf(body), cloud, out var prefixes);
            all.AddRange(prefixes);
        }

        return IpRangeTable.Build(all).Count;
    }

    /// <summary>What a start without snapshots does in all: parse the three, then build the table.</summary>
    [Benchmark]
    public int JsonThenTable()
    {
        var all = new List<CloudPrefix>(_prefixes.Count);
        foreach (var (format, body, cloud, _) in _sources)
        {
            all.AddRange(RangeParser.Parse(format, new MemoryStream(body, writable: false), cloud));
        }

        return IpRangeTable.Build(all).Count;
    }
}
