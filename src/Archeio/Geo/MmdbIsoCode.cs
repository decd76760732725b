using MaxMind.Db;

namespace Archeio.Geo;

/// <summary>A GeoIP2 <c>country</c> or <c>registered_country</c> object, of which only <c>iso_code</c> is read.</summary>
internal sealed class MmdbIsoCode
{
    [Constructor]
    public MmdbIsoCode([MapKey("iso_code")] string? isoCode)
    {
        IsoCode = isoCode;
    }

    public string? IsoCode { get; }
}
