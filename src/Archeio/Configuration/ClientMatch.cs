using System.Collections.Immutable;
using System.Globalization;
using System.Net;

namespace Archeio.Configuration;

/// <summary>
/// The fields that pick clients out (<c>Match</c> of a rule or of a rate limit): every given field must fit, an empty
/// one fits everyone. Rules (<see cref="RuleSettings"/>) and rate limits (<see cref="RateLimitSettings"/>) both match
/// through this, and through <see cref="Routing.ClientMatcher"/>, so that "fits the client" means one thing.
/// </summary>
internal interface IClientMatch
{
    /// <summary>Cloud the client must be in, or null for any.</summary>
    string? Cloud { get; }

    /// <summary>Regions of <see cref="Cloud"/> the client must be in; empty means any region.</summary>
    ImmutableArray<string> Regions { get; }

    /// <summary>ISO 3166-1 alpha-2 codes (upper case) the client's country must be one of; empty means any.</summary>
    ImmutableArray<string> Countries { get; }

    /// <summary>Continent codes (AF, AN, AS, EU, NA, OC, SA) the client's continent must be one of; empty means any.</summary>
    ImmutableArray<string> Continents { get; }

    /// <summary>Autonomous system numbers the client's ASN must be one of; empty means any.</summary>
    ImmutableArray<uint> Asns { get; }

    /// <summary>Networks (CIDR, IPv4 or IPv6) the client's address must be inside one of; empty means any.</summary>
    ImmutableArray<IPNetwork> Networks { get; }
}

/// <summary>A <c>Match</c> section as read: the fields of <see cref="IClientMatch"/>, for a rate limit.</summary>
internal sealed record ClientMatch(
    string? Cloud,
    ImmutableArray<string> Regions,
    ImmutableArray<string> Countries,
    ImmutableArray<string> Continents,
    ImmutableArray<uint> Asns,
    ImmutableArray<IPNetwork> Networks) : IClientMatch
{
    /// <summary>Fits every client.</summary>
    public static ClientMatch Everyone { get; } = new(null, [], [], [], [], []);

    /// <summary>Continent codes of the ISO 3166 / GeoNames convention.</summary>
    private static readonly string[] ContinentCodes = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

    /// <summary>
    /// Reads a <c>Match</c> section: its known keys, each field, and that <c>Regions</c> has a <c>Cloud</c>. Errors about
    /// the cloud itself (no range source defines it) belong in <paramref name="cloudErrors"/>, taken after the cloud and
    /// regions are read, so that they are reported where they were before rules and limits shared this.
    /// </summary>
    public static ClientMatch Read(SettingsSection match, out ErrorSlot cloudErrors)
    {
        match.CheckKnownKeys(nameof(Cloud), nameof(Regions), nameof(Countries), nameof(Continents), nameof(Asns), nameof(Networks));
        var cloud = match.Text(nameof(Cloud));
        var regions = match.Strings(nameof(Regions));
        cloudErrors = match.Later();
        if (regions.Length > 0 && cloud is null)
        {
            match.Error(nameof(Regions), "needs Match:Cloud (region names are only unique within a cloud)");
        }

        var countries = match.Codes(nameof(Countries), c => c.Length == 2 && c.All(char.IsAsciiLetter), "an ISO 3166-1 alpha-2 country code (e.g. NL)");
        var continents = match.Codes(nameof(Continents), c => ContinentCodes.Contains(c), "a continent code (AF, AN, AS, EU, NA, OC, SA)");
        var asns = match.Asns(nameof(Asns));
        var networks = match.Cidrs(nameof(Networks));
        return new ClientMatch(cloud, regions, countries, continents, asns, networks);
    }

    /// <summary>True when <paramref name="match"/> has no field: it fits every client.</summary>
    public static bool IsEveryone(IClientMatch match)
        => match.Cloud is null && match.Regions.IsEmpty && match.Countries.IsEmpty && match.Continents.IsEmpty && match.Asns.IsEmpty && match.Networks.IsEmpty;

    /// <summary>The match in words, e.g. <c>Match Cloud=AWS Regions=us-east-1</c>, or <c>matches every client</c>.</summary>
    public static string InWords(IClientMatch match)
    {
        var parts = new List<string>();
        if (match.Cloud is { } cloud)
        {
            parts.Add("Cloud=" + cloud);
        }

        AddList(parts, nameof(Regions), match.Regions);
        AddList(parts, nameof(Countries), match.Countries);
        AddList(parts, nameof(Continents), match.Continents);
        AddList(parts, nameof(Asns), [.. match.Asns.Select(a => a.ToString(CultureInfo.InvariantCulture))]);
        AddList(parts, nameof(Networks), [.. match.Networks.Select(n => n.ToString())]);
        return parts.Count == 0 ? "matches every client" : "Match " + string.Join(' ', parts);

        static void AddList(List<string> parts, string name, IReadOnlyCollection<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add(name + "=" + string.Join(',', values));
            }
        }
    }

    /// <summary>
    /// The checks a match needs the other sections for: its cloud defined by a range source, and the geolocation
    /// databases its fields need. <paramref name="key"/> names the match in the errors.
    /// </summary>
    public static void CheckSources(IClientMatch match, string key, SettingsDraft draft, ErrorSlot cloudErrors)
    {
        if (match.Cloud is { } cloud && !draft.Ranges.Any(r => string.Equals(r.Cloud, cloud, StringComparison.OrdinalIgnoreCase)))
        {
            cloudErrors.Add(nameof(Cloud), $"no Ranges source defines cloud '{cloud}', so this rule could never match");
        }

        if ((!match.Countries.IsEmpty || !match.Continents.IsEmpty) && draft.Geo.CountryDatabase is null)
        {
            draft.GeoErrors.Add(new(key, "matches on Countries or Continents, which need Geo:CountryDatabase"));
        }

        if (!match.Asns.IsEmpty && draft.Geo.AsnDatabase is null)
        {
            draft.GeoErrors.Add(new(key, "matches on Asns, which need Geo:AsnDatabase"));
        }
    }
}
