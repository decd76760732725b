namespace Archeio.Configuration;

/// <summary>Optional IP geolocation databases; see docs/configuration.md.</summary>
/// <param name="CountryDatabase">Path of an MMDB country database, or null.</param>
/// <param name="AsnDatabase">Path of an ASN database (GeoLite2-ASN compatible MMDB, or ip-location-db CSV), or null.</param>
internal sealed record GeoSettings(string? CountryDatabase, string? AsnDatabase)
{
    public static GeoSettings None { get; } = new(null, null);

    /// <summary>Reads <c>Archeio:Geo</c>; rules that need a database it lacks are reported by <see cref="SettingsLinker"/>.</summary>
    public static GeoSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(CountryDatabase), nameof(AsnDatabase));
        return new GeoSettings(section.ExistingFile(nameof(CountryDatabase)), section.ExistingFile(nameof(AsnDatabase)));
    }
}
