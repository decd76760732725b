using MaxMind.Db;

namespace Archeio.Geo;

/// <summary>
/// A GeoLite2-ASN record, <c>{"autonomous_system_number": 3333, "autonomous_system_organization": "…"}</c>
/// (https://dev.maxmind.com/geoip/docs/databases/asn), of which only the number is read. Constructor-annotated
/// so that MaxMind.Db's source generator decodes it without reflection (see <see cref="MmdbCountryRecord"/>).
/// </summary>
internal sealed class MmdbAsnRecord
{
    [Constructor]
    public MmdbAsnRecord([MapKey("autonomous_system_number")] long? number)
    {
        // The format stores it as uint32; anything else (negative, too large) is a broken record.
        Number = number is > 0 and <= uint.MaxValue ? (uint)number.Value : null;
    }

    /// <summary>The AS number, or null when absent, zero or out of range.</summary>
    public uint? Number { get; }
}
