using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Archeio.Geo;

/// <summary>
/// ISO 3166-1 alpha-2 country code → continent code (AF, AN, AS, EU, NA, OC, SA).
/// </summary>
/// <remarks>
/// <para>
/// Continents are a convention, not a standard: this table follows the continent column of the
/// GeoNames country table (<c>countryInfo.txt</c>, https://download.geonames.org/export/dump/countryInfo.txt),
/// which is also what MaxMind's GeoIP2/GeoLite2 <c>continent.code</c> uses. Consequences worth knowing:
/// Antarctica (AQ) and the uninhabited sub-antarctic territories (BV, GS, HM, TF) are AN; Russia is EU;
/// Turkey and the Caucasus (AM, AZ, GE) are AS while Cyprus is EU; Egypt is AF; Timor-Leste and the US
/// Minor Outlying Islands are OC; Central America (Panama included) and the Caribbean are NA; French
/// Guiana and the Falklands are SA.
/// </para>
/// <para>
/// Every officially assigned code (249) is present, plus two that IP databases use although ISO
/// does not assign them: XK (Kosovo, user-assigned; GeoNames, MaxMind and ip-location-db use it) and
/// AN (the Netherlands Antilles, dissolved in 2010 and only transitionally reserved, still found in
/// RIR delegation data and so in ip-location-db). Any other code is unknown to the table.
/// </para>
/// </remarks>
internal static class ContinentTable
{
    private static readonly FrozenSet<string> Continents =
        new[] { "AF", "AN", "AS", "EU", "NA", "OC", "SA" }.ToFrozenSet(StringComparer.Ordinal);

    // Keys compare case-insensitively so that a database writing "nl" still resolves; the stored key
    // (upper case) is what callers get back as the canonical country code.
    private static readonly FrozenDictionary<string, (string Country, string Continent)> ByCountry = Build();

    /// <summary>Number of country codes in the table (249 assigned codes, plus XK and AN).</summary>
    public static int Count => ByCountry.Count;

    /// <summary>All country codes of the table, upper case.</summary>
    public static IEnumerable<string> Countries => ByCountry.Keys;

    /// <summary>The continent of <paramref name="country"/> (ISO 3166-1 alpha-2, any case).</summary>
    public static bool TryGet(string country, [MaybeNullWhen(false)] out string continent)
        => TryGetCanonical(country, out _, out continent);

    /// <summary>
    /// Like <see cref="TryGet"/>, also returning the table's own upper-case instance of the code, so that
    /// a lookup result neither depends on the database's letter case nor keeps the database's string alive.
    /// </summary>
    public static bool TryGetCanonical(string? country, [NotNullWhen(true)] out string? canonicalCountry, [NotNullWhen(true)] out string? continent)
    {
        if (country is { Length: 2 } && ByCountry.TryGetValue(country, out var entry))
        {
            (canonicalCountry, continent) = entry;
            return true;
        }

        canonicalCountry = null;
        continent = null;
        return false;
    }

    /// <summary>Whether <paramref name="code"/> is one of AF, AN, AS, EU, NA, OC, SA (upper case).</summary>
    public static bool IsContinent(string? code) => code is not null && Continents.Contains(code);

    private static FrozenDictionary<string, (string Country, string Continent)> Build()
    {
        // Grouped by continent, alphabetical within each group; transcribed from the GeoNames table
        // named above (its historic CS, Serbia and Montenegro, is left out: no IP database uses it).
        (string Continent, string Countries)[] groups =
        [
            ("AF", "AO BF BI BJ BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS LY MA MG "
                + "ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT ZA ZM ZW"),
            ("AN", "AQ BV GS HM TF"),
            ("AS", "AE AF AM AZ BD BH BN BT CC CN GE HK ID IL IN IO IQ IR JO JP KG KH KP KR KW KZ LA LB LK MM "
                + "MN MO MV MY NP OM PH PK PS QA SA SG SY TH TJ TM TR TW UZ VN YE"),
            ("EU", "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT JE LI "
                + "LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA XK"),
            ("NA", "AG AI AN AW BB BL BM BQ BS BZ CA CR CU CW DM DO GD GL GP GT HN HT JM KN KY LC MF MQ MS MX "
                + "NI PA PM PR SV SX TC TT US VC VG VI"),
            ("OC", "AS AU CK CX FJ FM GU KI MH MP NC NF NR NU NZ PF PG PN PW SB TK TL TO TV UM VU WF WS"),
            ("SA", "AR BO BR CL CO EC FK GF GY PE PY SR UY VE"),
        ];

        var map = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
        foreach (var (continent, countries) in groups)
        {
            foreach (var country in countries.Split(' '))
            {
                map.Add(country, (country, continent)); // Add, not the indexer: a code listed twice fails loudly.
            }
        }

        return map.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }
}
