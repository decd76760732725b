using Archeio.TestBed;

namespace Archeio.Tests.Geo;

/// <summary>
/// The real geolocation databases, as scripts/test.sh installs them from npm into
/// <c>&lt;repo&gt;/.tools/node_modules/@ip-location-db/</c>: the country MMDB of
/// <c>@ip-location-db/geo-whois-asn-country-mmdb</c> and the ASN CSVs of <c>@ip-location-db/asn</c>.
/// A missing file fails the test with how to install it: these tests guard the real data, so they
/// must not pass by skipping.
/// </summary>
internal static class GeoDatabases
{
    public static string PackagesDirectory => Path.Combine(Tools.RepositoryRoot, ".tools", "node_modules", "@ip-location-db");

    /// <summary>IPv4 and IPv6 in one tree (ip_version 6).</summary>
    public static string CountryMmdb => Require("geo-whois-asn-country-mmdb", "geo-whois-asn-country.mmdb");

    /// <summary>The IPv4-only variant (ip_version 4).</summary>
    public static string CountryIPv4Mmdb => Require("geo-whois-asn-country-mmdb", "geo-whois-asn-country-ipv4.mmdb");

    public static string AsnIPv4Csv => Require("asn", "asn-ipv4.csv");

    public static string AsnIPv6Csv => Require("asn", "asn-ipv6.csv");

    public static string AsnIPv4NumCsv => Require("asn", "asn-ipv4-num.csv");

    public static string AsnIPv6NumCsv => Require("asn", "asn-ipv6-num.csv");

    private static string Require(string package, string file)
    {
        var path = Path.Combine(PackagesDirectory, package, file);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"{path} is missing: run scripts/test.sh, which installs @ip-location-db/{package} into .tools "
                + "(npm install --prefix .tools @ip-location-db/geo-whois-asn-country-mmdb @ip-location-db/asn).", path);
        }

        return path;
    }
}
