using MaxMind.Db;

namespace Archeio.Geo;

/// <summary>
/// The parts of an MMDB country record that Archeio reads, in either of the two layouts in use:
/// MaxMind's GeoIP2/GeoLite2-Country (and City) layout, <c>{"country": {"iso_code": "NL", …},
/// "registered_country": {…}, …}</c> (https://dev.maxmind.com/geoip/docs/databases/city-and-country),
/// and ip-location-db's flat layout, <c>{"country_code": "NL"}</c>
/// (https://github.com/sapics/ip-location-db#mmdb-format).
/// </summary>
/// <remarks>
/// A constructor-annotated model, not a <c>Dictionary&lt;string, object&gt;</c>: MaxMind.Db's source
/// generator registers it at compile time, so decoding needs no reflection (NativeAOT, trimming), and
/// only the keys named here are materialized; the rest of a GeoLite2 record (names in eight languages,
/// GeoName ids) is skipped.
/// </remarks>
internal sealed class MmdbCountryRecord
{
    [Constructor]
    public MmdbCountryRecord(
        [MapKey("country_code")] string? countryCode,
        [MapKey("country")] MmdbIsoCode? country,
        [MapKey("registered_country")] MmdbIsoCode? registeredCountry)
    {
        // GeoLite2 leaves "country" out for some networks (e.g. satellite providers, some anycast
        // ranges) while still naming the country where the block is registered; that is the better
        // guess than nothing, and it is what MaxMind suggests for such records.
        CountryCode = countryCode ?? country?.IsoCode ?? registeredCountry?.IsoCode;
    }

    /// <summary>The ISO 3166-1 alpha-2 code as the database wrote it, or null.</summary>
    public string? CountryCode { get; }
}
