using Archeio.Geo;

namespace Archeio.Tests.Geo;

public sealed class ContinentTableTests
{
    /// <summary>
    /// The 249 officially assigned ISO 3166-1 alpha-2 codes (ISO 3166 Maintenance Agency, Online
    /// Browsing Platform), written out independently of the table so that a code dropped from it fails.
    /// </summary>
    private const string AssignedCodes =
        "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
        + "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR "
        + "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP "
        + "KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT "
        + "MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
        + "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG "
        + "UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

    [Theory]
    // Africa, including the Indian and Atlantic Ocean islands GeoNames counts there.
    [InlineData("NG", "AF")]
    [InlineData("EG", "AF")]
    [InlineData("ZA", "AF")]
    [InlineData("RE", "AF")]
    [InlineData("SH", "AF")]
    // Antarctica and the sub-antarctic territories.
    [InlineData("AQ", "AN")]
    [InlineData("BV", "AN")]
    [InlineData("GS", "AN")]
    [InlineData("HM", "AN")]
    [InlineData("TF", "AN")]
    // Asia, with the Caucasus, Turkey and the British Indian Ocean Territory.
    [InlineData("JP", "AS")]
    [InlineData("IN", "AS")]
    [InlineData("TR", "AS")]
    [InlineData("GE", "AS")]
    [InlineData("IO", "AS")]
    // Europe, with Russia, Cyprus and Kosovo's user-assigned code.
    [InlineData("NL", "EU")]
    [InlineData("DE", "EU")]
    [InlineData("RU", "EU")]
    [InlineData("CY", "EU")]
    [InlineData("XK", "EU")]
    // North America, with Central America and the Caribbean (and the old Netherlands Antilles).
    [InlineData("US", "NA")]
    [InlineData("GL", "NA")]
    [InlineData("PA", "NA")]
    [InlineData("CW", "NA")]
    [InlineData("AN", "NA")]
    // Oceania, with Timor-Leste and the US Minor Outlying Islands.
    [InlineData("AU", "OC")]
    [InlineData("NZ", "OC")]
    [InlineData("TL", "OC")]
    [InlineData("UM", "OC")]
    // South America, with French Guiana and the Falklands.
    [InlineData("BR", "SA")]
    [InlineData("AR", "SA")]
    [InlineData("GF", "SA")]
    [InlineData("FK", "SA")]
    public void Maps_samples_of_every_continent(string country, string continent)
    {
        Assert.True(ContinentTable.TryGet(country, out var found));
        Assert.Equal(continent, found);
    }

    [Fact]
    public void Every_assigned_code_maps_to_a_continent()
    {
        var assigned = AssignedCodes.Split(' ');
        Assert.Equal(249, assigned.Length);
        Assert.Equal(assigned.Length, assigned.Distinct().Count());

        foreach (var country in assigned)
        {
            Assert.True(ContinentTable.TryGet(country, out var continent), country);
            Assert.True(ContinentTable.IsContinent(continent), $"{country} → {continent}");
        }

        // Nothing else but the two unassigned codes that IP databases use.
        Assert.Equal(["AN", "XK"], ContinentTable.Countries.Except(assigned).Order(StringComparer.Ordinal));
        Assert.Equal(251, ContinentTable.Count);
    }

    [Fact]
    public void Every_continent_has_countries()
    {
        var continents = ContinentTable.Countries.Select(c => ContinentTable.TryGet(c, out var continent) ? continent : null).ToHashSet();

        Assert.Equal(["AF", "AN", "AS", "EU", "NA", "OC", "SA"], continents.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("ZZ")] // user-assigned, "unknown" in some databases
    [InlineData("EU")] // a continent, found as a country in old GeoIP data
    [InlineData("UK")] // reserved; the United Kingdom is GB
    [InlineData("CS")] // Serbia and Montenegro, deleted
    [InlineData("NLD")]
    [InlineData("N")]
    [InlineData("")]
    public void Unknown_codes_are_not_found(string country)
    {
        Assert.False(ContinentTable.TryGet(country, out var continent));
        Assert.Null(continent);
    }

    [Fact]
    public void Lower_case_resolves_to_the_upper_case_code()
    {
        Assert.True(ContinentTable.TryGetCanonical("nl", out var country, out var continent));
        Assert.Equal("NL", country);
        Assert.Equal("EU", continent);
        Assert.False(ContinentTable.TryGetCanonical(null, out _, out _));
    }

    [Theory]
    [InlineData("AF", true)]
    [InlineData("AN", true)]
    [InlineData("AS", true)]
    [InlineData("EU", true)]
    [InlineData("NA", true)]
    [InlineData("OC", true)]
    [InlineData("SA", true)]
    [InlineData("AM", false)] // not a continent code: the Americas are NA and SA
    [InlineData("eu", false)] // continent codes are upper case
    [InlineData("NL", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Knows_the_seven_continent_codes(string? code, bool expected)
    {
        Assert.Equal(expected, ContinentTable.IsContinent(code));
    }
}
