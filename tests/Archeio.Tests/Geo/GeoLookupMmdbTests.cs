using System.Net;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Routing;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Geo;

/// <summary>
/// <see cref="GeoLookup"/> on small MMDB files that <see cref="MmdbWriter"/> writes (the layouts
/// Archeio reads, the GeoLite2-ASN path that no npm package provides), and the start-up errors for
/// missing and broken files.
/// </summary>
public sealed class GeoLookupMmdbTests : IDisposable
{
    private readonly TempDirectory _directory = new("geo-mmdb");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Reads_the_GeoLite2_country_layout_falling_back_to_the_registered_country()
    {
        var path = Write("country.mmdb", new MmdbWriter(6, "GeoLite2-Country")
            .Add("193.0.0.0/21", GeoLite2Country("NL", "EU"))
            .Add("2001:67c:2e8::/48", GeoLite2Country("NL", "EU"))
            // Satellite and some anycast networks: no "country", only where the block is registered.
            .Add("196.201.128.0/18", new Dictionary<string, object>
            {
                ["continent"] = Map(("code", "AF")),
                ["registered_country"] = Map(("geoname_id", 2635167u), ("iso_code", "GB"), ("names", Map(("en", "United Kingdom")))),
            })
            .Add("9.9.9.0/24", new Dictionary<string, object> { ["traits"] = Map(("is_anycast", true)) }));
        using var lookup = Open(path, null);

        Assert.Equal(new GeoFacts("NL", "EU", null), lookup.Lookup(IPAddress.Parse("193.0.6.139")));
        Assert.Equal(new GeoFacts("NL", "EU", null), lookup.Lookup(IPAddress.Parse("2001:67c:2e8::1")));
        Assert.Equal(new GeoFacts("GB", "EU", null), lookup.Lookup(IPAddress.Parse("196.201.130.1")));
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("9.9.9.9"))); // a record, but no country
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("193.0.8.0"))); // just past the /21
    }

    [Fact]
    public void Reads_the_flat_ip_location_db_layout_and_derives_the_continent_from_the_table()
    {
        var path = Write("country.mmdb", new MmdbWriter(6, "country")
            .Add("1.0.0.0/24", Map(("country_code", "AU")))
            .Add("41.0.0.0/11", Map(("country_code", "za"))) // lower case is normalized
            .Add("5.0.0.0/24", Map(("country_code", "ZZ"))) // not a country code: unknown
            .Add("2a00::/12", Map(("country_code", "XK"))));
        using var lookup = Open(path, null);

        Assert.Equal(new GeoFacts("AU", "OC", null), lookup.Lookup(IPAddress.Parse("1.0.0.1")));
        Assert.Equal(new GeoFacts("ZA", "AF", null), lookup.Lookup(IPAddress.Parse("41.1.2.3")));
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("5.0.0.1")));
        Assert.Equal(new GeoFacts("XK", "EU", null), lookup.Lookup(IPAddress.Parse("2a00::1")));
    }

    [Fact]
    public void Reads_a_GeoLite2_ASN_database()
    {
        var asn = Write("asn.mmdb", new MmdbWriter(6, "GeoLite2-ASN")
            .Add("193.0.0.0/21", Asn(3333, "Reseaux IP Europeens Network Coordination Centre (RIPE NCC)"))
            .Add("193.0.6.0/24", Asn(25152, "a more specific network inside the /21"))
            .Add("8.8.8.0/24", Asn(15169, "GOOGLE"))
            .Add("2001:67c:2e8::/48", Asn(3333, "RIPE NCC"))
            .Add("1.1.1.0/24", Map(("autonomous_system_organization", "a record without a number"))));
        var country = Write("country.mmdb", new MmdbWriter(6).Add("193.0.0.0/16", Map(("country_code", "NL"))));
        using var lookup = Open(country, asn);

        Assert.Equal(new GeoFacts("NL", "EU", 3333), lookup.Lookup(IPAddress.Parse("193.0.0.1")));
        Assert.Equal(new GeoFacts("NL", "EU", 25152), lookup.Lookup(IPAddress.Parse("193.0.6.139")));
        Assert.Equal(new GeoFacts("NL", "EU", 3333), lookup.Lookup(IPAddress.Parse("::ffff:193.0.7.255")));
        Assert.Equal(new GeoFacts(null, null, 15169), lookup.Lookup(IPAddress.Parse("8.8.8.8")));
        Assert.Equal(new GeoFacts(null, null, 3333), lookup.Lookup(IPAddress.Parse("2001:67c:2e8::1")));
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("1.1.1.1")));
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("193.1.0.0")));
    }

    [Fact]
    public void An_IPv4_only_database_is_not_asked_about_IPv6()
    {
        var path = Write("asn-ipv4.mmdb", new MmdbWriter(4, "GeoLite2-ASN")
            .Add("32.0.0.0/8", Asn(7018, "the network 2001:67c:2e8::1's first 32 bits spell"))
            .Add("193.0.0.0/21", Asn(3333, "RIPE NCC")));
        using var lookup = Open(null, path);

        Assert.Equal(3333u, lookup.Lookup(IPAddress.Parse("193.0.0.1")).Asn);
        Assert.Equal(3333u, lookup.Lookup(IPAddress.Parse("::ffff:193.0.0.1")).Asn);
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("2001:67c:2e8::1")));
    }

    [Fact]
    public void No_databases_answer_unknown()
    {
        using var lookup = new GeoLookup(GeoSettings.None, new ListLogger<GeoLookup>());

        Assert.False(lookup.HasCountryDatabase);
        Assert.False(lookup.HasAsnDatabase);
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("193.0.6.139")));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0xF0 })] // an extended type byte naming no type (7 + 0xF0)
    [InlineData(new byte[] { 0x3F, 0xFF, 0xFF, 0xFF, 0xF0 })] // a pointer far past the end of the file
    [InlineData(new byte[] { 0x5F, 0xFF, 0xFF, 0xFF })] // a string of 16 MiB, longer than the file
    [InlineData(new byte[] { 0xE1, 0x5F, 0xFF, 0xFF, 0xFF })] // a map whose key is such a string
    [InlineData(new byte[] { 0xE1, 0x20 })] // a map whose key is a pointer into the middle of other data
    [InlineData(new byte[] { 0xE1, 0x4C, 0x63, 0x6F, 0x75, 0x6E, 0x74, 0x72, 0x79, 0x5F, 0x63, 0x6F, 0x64, 0x65, 0xC2, 0x41, 0x42 })] // country_code: a uint16, not a string
    public void A_corrupt_record_found_at_lookup_time_answers_unknown_and_is_logged_once(byte[] garbage)
    {
        // A valid tree and metadata, but the record the tree points to for 9.9.9.0/24 is garbage: the
        // start-up probe (1.1.1.1, 2001:4860:4860::8888) does not reach it, the first client does.
        var writer = new MmdbWriter(6).Add("9.9.9.0/24", Map(("country_code", "CH"), ("padding", new string('x', 40))));
        var bytes = writer.Build(out var dataStart);
        garbage.CopyTo(bytes, dataStart);
        var path = _directory.Combine("corrupt-record.mmdb");
        File.WriteAllBytes(path, bytes);
        var logger = new ListLogger<GeoLookup>();
        using var lookup = new GeoLookup(new GeoSettings(path, null), logger);

        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("9.9.9.9")));
        Assert.Same(GeoFacts.Unknown, lookup.Lookup(IPAddress.Parse("9.9.9.10")));

        var error = Assert.Single(logger.At(LogLevel.Error));
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains(GeoLookup.CountryKey, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("country")]
    [InlineData("asn")]
    public void A_garbage_mmdb_file_stops_start_up_naming_the_file_and_the_key(string which)
    {
        var path = _directory.Combine("garbage.mmdb");
        var garbage = new byte[64 * 1024];
        new Random(3).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var error = OpenFails(which == "country" ? path : null, which == "asn" ? path : null);

        Assert.Contains(which == "country" ? GeoLookup.CountryKey : GeoLookup.AsnKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid MaxMind DB", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_mmdb_file_stops_start_up()
    {
        var path = _directory.Combine("empty.mmdb");
        File.WriteAllBytes(path, []);

        var error = OpenFails(path, null);

        Assert.Contains(GeoLookup.CountryKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_truncated_mmdb_file_stops_start_up()
    {
        // The real database cut in half: the metadata at the end is gone.
        var real = File.ReadAllBytes(GeoDatabases.CountryMmdb);
        var path = _directory.Combine("truncated.mmdb");
        File.WriteAllBytes(path, real[..(real.Length / 2)]);

        var error = OpenFails(path, null);

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid MaxMind DB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("country", "missing.mmdb")]
    [InlineData("asn", "missing.mmdb")]
    [InlineData("asn", "missing.csv")]
    public void A_missing_file_stops_start_up(string which, string name)
    {
        var path = _directory.Combine(name);

        var error = OpenFails(which == "country" ? path : null, which == "asn" ? path : null);

        Assert.Contains($"{(which == "country" ? GeoLookup.CountryKey : GeoLookup.AsnKey)}: file '{path}' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_broken_csv_stops_start_up_naming_the_line()
    {
        var path = _directory.Combine("asn.csv");
        File.WriteAllText(path, "1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.4.0,1.0.7.255\n");

        var error = OpenFails(null, path);

        Assert.Contains($"{GeoLookup.AsnKey}: file '{path}' is not a valid ip-location-db ASN CSV: line 2:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_country_database_given_as_the_asn_csv_stops_start_up()
    {
        // A binary file named .csv: fails on its first line rather than loading nothing.
        var path = _directory.Combine("not-really.csv");
        File.Copy(GeoDatabases.CountryIPv4Mmdb, path);

        var error = OpenFails(null, path);

        Assert.Contains(GeoLookup.AsnKey, error.Message, StringComparison.Ordinal);
        Assert.Contains("line 1:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_asn_database_of_another_extension_stops_start_up()
    {
        var path = _directory.Combine("asn.txt");
        File.WriteAllText(path, "1.0.0.0,1.0.0.255,13335,Cloudflare\n");

        var error = OpenFails(null, path);

        Assert.Contains(GeoLookup.AsnKey, error.Message, StringComparison.Ordinal);
        Assert.Contains(".mmdb", error.Message, StringComparison.Ordinal);
        Assert.Contains(".csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_country_database_is_released_when_the_asn_database_fails()
    {
        var country = Write("country.mmdb", new MmdbWriter(6).Add("193.0.0.0/16", Map(("country_code", "NL"))));
        var asn = _directory.Combine("missing.csv");

        _ = OpenFails(country, asn);

        // A memory-mapped file still open would keep its mapping; deleting is allowed on Linux either
        // way, so check the handle is gone by opening the file exclusively.
        using var exclusive = new FileStream(country, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }

    private static InvalidConfigurationException OpenFails(string? country, string? asn)
        => Assert.Throws<InvalidConfigurationException>(() => new GeoLookup(new GeoSettings(country, asn), new ListLogger<GeoLookup>()));

    private static GeoLookup Open(string? country, string? asn) => new(new GeoSettings(country, asn), new ListLogger<GeoLookup>());

    private string Write(string name, MmdbWriter writer)
    {
        var path = _directory.Combine(name);
        writer.Write(path);
        return path;
    }

    private static Dictionary<string, object> Map(params (string Key, object Value)[] entries) => entries.ToDictionary(e => e.Key, e => e.Value);

    private static Dictionary<string, object> GeoLite2Country(string iso, string continent) => new()
    {
        ["continent"] = Map(("code", continent), ("geoname_id", 6255148u)),
        ["country"] = Map(("geoname_id", 2750405u), ("iso_code", iso), ("names", Map(("en", "Netherlands"), ("de", "Niederlande")))),
        ["registered_country"] = Map(("geoname_id", 2750405u), ("iso_code", iso)),
    };

    private static Dictionary<string, object> Asn(uint number, string organisation) => new()
    {
        ["autonomous_system_number"] = number,
        ["autonomous_system_organization"] = organisation,
    };
}
