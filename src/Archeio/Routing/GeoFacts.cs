namespace Archeio.Routing;

/// <summary>What the geolocation databases say about a client; each part null when unknown.</summary>
/// <param name="Country">ISO 3166-1 alpha-2 country code, upper case (e.g. <c>NL</c>).</param>
/// <param name="Continent">Continent code: AF, AN, AS, EU, NA, OC or SA.</param>
/// <param name="Asn">Autonomous system number.</param>
internal sealed record GeoFacts(string? Country, string? Continent, uint? Asn)
{
    public static GeoFacts Unknown { get; } = new(null, null, null);
}
