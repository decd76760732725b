using Archeio.Configuration;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

/// <summary><c>Rules:N:Upstreams</c>, <c>UpstreamFailover</c>, <c>UpstreamHealth</c> and <c>ProbeManifest</c>: read, linked and refused.</summary>
public sealed class UpstreamFailoverSettingsTests
{
    private static readonly Dictionary<string, string?> Base = new()
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example/",
        ["Archeio:Upstream:ProbeManifest"] = "pause:3.10",
        ["Archeio:Upstreams:0:Name"] = "eu",
        ["Archeio:Upstreams:0:Endpoint"] = "https://eu.example",
        ["Archeio:Upstreams:0:Path"] = "images",
        ["Archeio:Upstreams:0:ProbeManifest"] = "sig/pause:v1.0",
        ["Archeio:Upstreams:1:Name"] = "asia",
        ["Archeio:Upstreams:1:Endpoint"] = "https://asia.example",
        ["Archeio:Upstreams:2:Name"] = "solo",
        ["Archeio:Upstreams:2:Endpoint"] = "https://solo.example",
    };

    [Fact]
    public void Reads_failover_lists_in_order_and_probes_only_upstreams_of_lists_of_two_or_more()
    {
        var settings = Read(new()
        {
            ["Archeio:Rules:0:Match:Asns:0"] = "3333",
            ["Archeio:Rules:0:Upstreams:0"] = "eu",
            ["Archeio:Rules:0:Upstreams:1"] = "DEFAULT",
            ["Archeio:Rules:1:Match:Continents:0"] = "AS",
            ["Archeio:Rules:1:Upstream"] = "solo",
            ["Archeio:Rules:2:Match"] = "",
            ["Archeio:UpstreamFailover:0"] = "default",
            ["Archeio:UpstreamFailover:1"] = "asia",
            ["Archeio:Geo:AsnDatabase"] = "/dev/null",
            ["Archeio:Geo:CountryDatabase"] = "/dev/null",
        });

        Assert.Equal(["eu", "default"], settings.Rules[0].Upstreams.Select(u => u.Name));
        Assert.Equal(["solo"], settings.Rules[1].Upstreams.Select(u => u.Name));
        Assert.Empty(settings.Rules[2].Upstreams);
        Assert.Equal(["default", "asia"], settings.UpstreamFailover.Select(u => u.Name));
        Assert.Equal(["default", "eu", "asia"], settings.ProbedUpstreams.Select(u => u.Name));
        Assert.Equal([0, 1, 2, 3], settings.AllUpstreams.Select(u => u.Index));
        Assert.Equal(UpstreamHealthSettings.Default, settings.UpstreamHealth);
        Assert.Equal("https://registry.example/v2/pause/manifests/3.10", settings.Upstream.ProbeManifestUrl);
        Assert.Equal("https://eu.example/v2/images/sig/pause/manifests/v1.0", settings.Upstreams[0].ProbeManifestUrl);
        Assert.Null(settings.Upstreams[1].ProbeManifest);
    }

    [Fact]
    public void Without_failover_lists_nothing_is_probed()
    {
        var settings = Read(new() { ["Archeio:Rules:0:Match"] = "", ["Archeio:Rules:0:Upstream"] = "eu" });

        Assert.Empty(settings.UpstreamFailover);
        Assert.Empty(settings.ProbedUpstreams);
    }

    [Fact]
    public void The_upstream_candidate_of_a_rule_is_the_first_of_its_list()
    {
        var settings = Read(new()
        {
            ["Archeio:Rules:0:Match"] = "",
            ["Archeio:Rules:0:Mirrors:0"] = "upstream",
            ["Archeio:UpstreamFailover:0"] = "asia",
            ["Archeio:UpstreamFailover:1"] = "default",
        });

        var candidate = Assert.IsType<UpstreamCandidate>(Assert.Single(settings.Rules[0].Candidates));
        Assert.Equal("asia", candidate.Upstream.Name);
    }

    [Fact]
    public void Reads_upstream_health()
    {
        var settings = Read(new()
        {
            ["Archeio:UpstreamHealth:Interval"] = "00:00:01",
            ["Archeio:UpstreamHealth:Timeout"] = "00:00:00.500",
            ["Archeio:UpstreamHealth:FailAfter"] = "1",
            ["Archeio:UpstreamHealth:RecoverAfter"] = "5",
        });

        Assert.Equal(new UpstreamHealthSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(500), 1, 5), settings.UpstreamHealth);
    }

    /// <summary>Columns: key, value, the key its error names, a word of the reason.</summary>
    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { "Archeio:Rules:0:Upstreams:1", "nowhere", "Archeio:Rules:0:Upstreams:1", "no upstream is named 'nowhere'" },
        { "Archeio:Rules:0:Upstreams:1", "EU", "Archeio:Rules:0:Upstreams:1", "listed twice" },
        { "Archeio:Rules:0:Upstream", "asia", "Archeio:Rules:0:Upstream", "both set" },
        { "Archeio:UpstreamFailover:0", "nowhere", "Archeio:UpstreamFailover:0", "no upstream is named" },
        { "Archeio:UpstreamFailover", "eu", "Archeio:UpstreamFailover", "is a list" },
        { "Archeio:Rules:0:Upstreams", "eu", "Archeio:Rules:0:Upstreams", "is a list" },
        { "Archeio:UpstreamHealth:Interval", "00:00:00.500", "Archeio:UpstreamHealth:Interval", "shorter than the least interval" },
        { "Archeio:UpstreamHealth:Timeout", "00:05:00", "Archeio:UpstreamHealth:Timeout", "at most" },
        { "Archeio:UpstreamHealth:FailAfter", "0", "Archeio:UpstreamHealth:FailAfter", "1" },
        { "Archeio:UpstreamHealth:RecoverAfter", "101", "Archeio:UpstreamHealth:RecoverAfter", "100" },
        { "Archeio:UpstreamHealth:Intervall", "00:00:10", "Archeio:UpstreamHealth:Intervall", "unknown" },
        { "Archeio:Upstream:ProbeManifest", "pause", "Archeio:Upstream:ProbeManifest", "<name>:<tag>" },
        { "Archeio:Upstreams:1:ProbeManifest", "Pause:3.10", "Archeio:Upstreams:1:ProbeManifest", "<name>:<tag>" },
        { "Archeio:Upstreams:1:ProbeManifest", "pause:-bad", "Archeio:Upstreams:1:ProbeManifest", "<name>:<tag>" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Refuses_bad_values_naming_the_key(string key, string value, string errorKey, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(new()
        {
            ["Archeio:Rules:0:Match"] = "",
            ["Archeio:Rules:0:Upstreams:0"] = "eu",
            [key] = value,
        })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Reports_every_bad_list_at_once()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(new()
        {
            ["Archeio:UpstreamFailover:0"] = "gone",
            ["Archeio:UpstreamHealth:FailAfter"] = "x",
            ["Archeio:Rules:0:Match"] = "",
            ["Archeio:Rules:0:Upstreams:0"] = "asia",
            ["Archeio:Rules:0:Upstreams:1"] = "asia",
        })));

        Assert.Equal(["Archeio:UpstreamFailover:0", "Archeio:UpstreamHealth:FailAfter", "Archeio:Rules:0:Upstreams:1"], ex.Errors.Select(e => e.Key));
    }

    private static ArcheioSettings Read(Dictionary<string, string?> values) => ArcheioSettingsReader.ReadOrThrow(Build(values));

    private static IConfiguration Build(Dictionary<string, string?> values)
        => new ConfigurationBuilder().AddInMemoryCollection(Base).AddInMemoryCollection(values).Build();
}
