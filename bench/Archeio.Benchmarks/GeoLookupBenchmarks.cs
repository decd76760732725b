using System.Net;
using Archeio.Configuration;
using Archeio.Geo;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Benchmarks;

/// <summary>
/// A client's geolocation with the real ip-location-db databases (the npm packages scripts/test.sh installs
/// into .tools): country MMDB (memory-mapped) plus ASN CSV, for addresses spread over the public IPv4 space.
/// Only rules that match on country, continent or ASN pay for it.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class GeoLookupBenchmarks : IDisposable
{
    private const int Batch = 1024;

    private GeoLookup _lookup = null!;
    private IPAddress[] _addresses = [];
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        // BenchmarkDotNet runs this from a generated project below bin/: find the repository above it.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Archeio.slnx")))
        {
            root = root.Parent;
        }

        var packages = Path.Combine(root?.FullName ?? throw new DirectoryNotFoundException("Archeio.slnx not found"), ".tools", "node_modules", "@ip-location-db");
        _lookup = new GeoLookup(
            new GeoSettings(Path.Combine(packages, "geo-whois-asn-country-mmdb", "geo-whois-asn-country.mmdb"), Path.Combine(packages, "asn", "asn-ipv4.csv")),
            NullLogger<GeoLookup>.Instance);
        var random = new Random(3);
        _addresses = [.. Enumerable.Range(0, Batch).Select(_ => new IPAddress((uint)random.Next(0x01000000, int.MaxValue)))];
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _lookup?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark]
    public string? Lookup() => _lookup.Lookup(_addresses[_next++ & (Batch - 1)]).Country;
}
