using System.Diagnostics;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Geo;

/// <summary>
/// A <see cref="GeoLookup"/> on the real databases, opened once for a test class: the country MMDB,
/// and the two ASN CSVs concatenated into one file as docs/configuration.md tells operators to do.
/// </summary>
public sealed class RealGeoLookup : IDisposable
{
    private readonly TempDirectory _directory = new("geo");

    public RealGeoLookup()
    {
        AsnCsv = _directory.Combine("asn.csv");
        using (var output = File.Create(AsnCsv))
        {
            foreach (var part in new[] { GeoDatabases.AsnIPv4Csv, GeoDatabases.AsnIPv6Csv })
            {
                using var input = File.OpenRead(part);
                input.CopyTo(output);
            }
        }

        var stopwatch = Stopwatch.StartNew();
        Lookup = new GeoLookup(new GeoSettings(GeoDatabases.CountryMmdb, AsnCsv), Logger);
        LoadTime = stopwatch.Elapsed;
    }

    internal ListLogger<GeoLookup> Logger { get; } = new();

    internal GeoLookup Lookup { get; }

    /// <summary>The concatenated asn-ipv4.csv and asn-ipv6.csv.</summary>
    internal string AsnCsv { get; }

    /// <summary>Opening both databases, which is mostly reading the CSV.</summary>
    internal TimeSpan LoadTime { get; }

    public void Dispose()
    {
        Lookup.Dispose();
        _directory.Dispose();
    }
}
