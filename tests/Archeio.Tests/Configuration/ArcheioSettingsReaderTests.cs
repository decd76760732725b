using Archeio.Configuration;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

public sealed class ArcheioSettingsReaderTests
{
    private static readonly Dictionary<string, string?> Minimal = new()
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example/",
    };

    [Fact]
    public void Fills_defaults_for_everything_optional()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal));

        Assert.Equal(8080, settings.Port);
        Assert.Equal("https://registry.example", settings.Upstream.Endpoint);
        Assert.Equal("https://registry.example/v2/", settings.Upstream.Prefix);
        Assert.Null(settings.Upstream.SignaturePrefix);
        Assert.Equal(1, settings.ClientIp.ForwardedForSkip);
        Assert.Empty(settings.ClientIp.TrustedNetworks);
        Assert.Empty(settings.Ranges);
        Assert.Empty(settings.Mirrors);
        Assert.Empty(settings.Rules);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.BlobCheck.Timeout);
        Assert.Equal(1_000_000, settings.BlobCheck.MaxEntries);
        Assert.Equal(RangesRefreshSettings.Default, settings.RangesRefresh);
        Assert.Equal(new MetricsSettings(9090), settings.Metrics);
        Assert.Equal(new ShutdownSettings(TimeSpan.FromSeconds(5)), settings.Shutdown);
        Assert.Equal(new LoggingSettings(LogFormat.Auto, 1.0, false), settings.Logging);
    }

    [Fact]
    public void Reads_the_operations_settings()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:RangesRefresh:Interval"] = "01:00:00",
            ["Archeio:RangesRefresh:CacheDirectory"] = "/var/cache/archeio",
            ["Archeio:RangesRefresh:RequireAtStart"] = "true",
            ["Archeio:Metrics:Port"] = "9100",
            ["Archeio:Shutdown:Drain"] = "00:00:00",
            ["Archeio:Logging:Format"] = "JSON",
            ["Archeio:Logging:AccessSampleRate"] = "0.01",
            ["Archeio:Logging:RedactClientIp"] = "true",
        }));

        Assert.Equal(new RangesRefreshSettings(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1), "/var/cache/archeio", true), settings.RangesRefresh);
        Assert.Equal(9100, settings.Metrics.Port);
        Assert.Equal(TimeSpan.Zero, settings.Shutdown.Drain);
        Assert.Equal(new LoggingSettings(LogFormat.Json, 0.01, true), settings.Logging);
    }

    [Fact]
    public void Builds_upstream_prefixes_from_endpoint_and_path()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Upstream:Path"] = "/k8s-artifacts-prod/images/",
            ["Archeio:Upstream:SignatureEndpoint"] = "https://sig.example",
        }));

        Assert.Equal("https://registry.example/v2/k8s-artifacts-prod/images/", settings.Upstream.Prefix);
        Assert.Equal("https://sig.example/v2/k8s-artifacts-prod/images/", settings.Upstream.SignaturePrefix);
    }

    /// <summary>Columns: key, bad value, key the error must name, a word its message must contain.</summary>
    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { "Archeio:Port", "0", "Archeio:Port", "integer" },
        { "Archeio:Port", "eighty", "Archeio:Port", "integer" },
        { "Archeio:InfoUrl", "github.com/x", "Archeio:InfoUrl", "absolute" },
        { "Archeio:PrivacyUrl", "ftp://example.org/", "Archeio:PrivacyUrl", "absolute" },
        { "Archeio:Upstream:Endpoint", "https://user:pw@registry.example", "Archeio:Upstream:Endpoint", "user" },
        { "Archeio:Upstream:Endpoint", "https://registry.example/?x=1", "Archeio:Upstream:Endpoint", "query" },
        { "Archeio:Upstream:Path", "Bad Path", "Archeio:Upstream:Path", "grammar" },
        { "Archeio:Upstream:SignatureEndpoint", "not a url", "Archeio:Upstream:SignatureEndpoint", "absolute" },
        { "Archeio:ClientIp:ForwardedForSkip", "-1", "Archeio:ClientIp:ForwardedForSkip", "integer" },
        { "Archeio:ClientIp:TrustedNetworks:0", "10.0.0.1/8", "Archeio:ClientIp:TrustedNetworks:0", "CIDR" },
        { "Archeio:ClientIp:TrustedNetworks:0", "10.0.0.0", "Archeio:ClientIp:TrustedNetworks:0", "CIDR" },
        { "Archeio:ClientIp:TrustedNetworks:0", "10/8", "Archeio:ClientIp:TrustedNetworks:0", "CIDR" },
        { "Archeio:BlobCheck:Timeout", "5", "Archeio:BlobCheck:Timeout", "duration" },
        { "Archeio:BlobCheck:Timeout", "00:00:00", "Archeio:BlobCheck:Timeout", "duration" },
        { "Archeio:BlobCheck:Timeout", "01:00:00", "Archeio:BlobCheck:Timeout", "duration" },
        { "Archeio:BlobCheck:MaxEntries", "0", "Archeio:BlobCheck:MaxEntries", "integer" },
        { "Archeio:BlobCheck:Redis", "127.0.0.1:6379,connectTimeout=soon", "Archeio:BlobCheck:Redis", "connection string" },
        { "Archeio:RangesRefresh:FetchTimeout", "soon", "Archeio:RangesRefresh:FetchTimeout", "duration" },
        { "Archeio:RangesRefresh:Interval", "00:00:30", "Archeio:RangesRefresh:Interval", "one minute" },
        { "Archeio:RangesRefresh:Interval", "8.00:00:00", "Archeio:RangesRefresh:Interval", "duration" },
        { "Archeio:RangesRefresh:CacheDirectory", "/etc/hostname", "Archeio:RangesRefresh:CacheDirectory", "is a file" },
        { "Archeio:RangesRefresh:BakedDirectory", "/nonexistent/archeio-baked", "Archeio:RangesRefresh:BakedDirectory", "does not exist (it holds what `archeio ranges fetch --out` wrote)" },
        { "Archeio:RangesRefresh:BakedDirectory", "/etc/hostname", "Archeio:RangesRefresh:BakedDirectory", "is a file" },
        { "Archeio:RangesRefresh:RequireAtStart", "yes", "Archeio:RangesRefresh:RequireAtStart", "true or false" },
        { "Archeio:RangesRefresh:Intervall", "01:00:00", "Archeio:RangesRefresh:Intervall", "unknown setting" },
        { "Archeio:Metrics:Port", "8080", "Archeio:Metrics:Port", "public Port" },
        { "Archeio:Metrics:Port", "70000", "Archeio:Metrics:Port", "integer" },
        { "Archeio:Shutdown:Drain", "-00:00:01", "Archeio:Shutdown:Drain", "duration" },
        { "Archeio:Shutdown:Drain", "00:10:00", "Archeio:Shutdown:Drain", "duration" },
        { "Archeio:Logging:Format", "xml", "Archeio:Logging:Format", "auto, json, plain" },
        { "Archeio:Logging:AccessSampleRate", "1.5", "Archeio:Logging:AccessSampleRate", "from 0 to 1" },
        { "Archeio:Logging:AccessSampleRate", "half", "Archeio:Logging:AccessSampleRate", "from 0 to 1" },
        { "Archeio:Logging:RedactClientIp", "1", "Archeio:Logging:RedactClientIp", "true or false" },
        { "Archeio:Debug:RouteHeader", "on", "Archeio:Debug:RouteHeader", "true or false" },
        { "Archeio:RangesDirectory", "/nonexistent/ranges", "Archeio:RangesDirectory", "does not exist" },
        { "Archeio:Uptream:Endpoint", "https://typo.example", "Archeio:Uptream", "unknown setting" },
        { "Archeio:Probes:Interval", "30", "Archeio:Probes:Interval", "duration" },
        { "Archeio:Probes:Interval", "00:00:00", "Archeio:Probes:Interval", "duration" },
        { "Archeio:Probes:Timeout", "00:20:00", "Archeio:Probes:Timeout", "duration" },
        { "Archeio:Probes:MaxBytes", "100", "Archeio:Probes:MaxBytes", "integer" },
        { "Archeio:Probes:MaxConcurrent", "0", "Archeio:Probes:MaxConcurrent", "integer" },
        { "Archeio:Probes:Intervall", "00:00:30", "Archeio:Probes:Intervall", "unknown setting" },
    };

    private const string ProbeDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Fact]
    public void Reads_probes_and_each_mirror_s_probe_object()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Mirrors:0:Name"] = "s3",
            ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/containers/images/{digest}",
            ["Archeio:Mirrors:0:Probe"] = ProbeDigest,
            ["Archeio:Mirrors:1:Name"] = "byname",
            ["Archeio:Mirrors:1:BlobUrl"] = "https://byname.example/{name}/blobs/{digest}",
            ["Archeio:Mirrors:1:Probe"] = "library/pause@" + ProbeDigest,
            ["Archeio:Mirrors:2:Name"] = "plain",
            ["Archeio:Mirrors:2:BlobUrl"] = "https://plain.example/{digest}",
            ["Archeio:Probes:Interval"] = "00:00:05",
            ["Archeio:Probes:Timeout"] = "00:00:02",
            ["Archeio:Probes:MaxBytes"] = "1048576",
            ["Archeio:Probes:MaxConcurrent"] = "2",
        }));

        Assert.Equal(new MirrorProbe("", ProbeDigest), settings.Mirrors[0].Probe);
        Assert.Equal(new MirrorProbe("library/pause", ProbeDigest), settings.Mirrors[1].Probe);
        Assert.Null(settings.Mirrors[2].Probe);
        Assert.Equal(new ProbeSettings(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 1_048_576, 2), settings.Probes);
        Assert.Equal(ProbeSettings.Default, ArcheioSettingsReader.ReadOrThrow(Build(Minimal)).Probes);
        Assert.Equal(TimeSpan.FromSeconds(30), ProbeSettings.Default.Interval);
    }

    [Fact]
    public void Reads_a_mirror_s_manifest_url_and_inventory_and_gives_each_manifest_store_a_view()
    {
        var inventory = Path.GetTempFileName();
        try
        {
            var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
            {
                ["Archeio:Mirrors:0:Name"] = "s3",
                ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/containers/images/{digest}",
                ["Archeio:Mirrors:0:ManifestUrl"] = "https://s3.example/containers/manifests/{digest}",
                ["Archeio:Mirrors:0:ManifestInventory"] = inventory,
                ["Archeio:Mirrors:1:Name"] = "plain",
                ["Archeio:Mirrors:1:BlobUrl"] = "https://plain.example/{digest}",
                ["Archeio:Rules:0:Mirrors:0"] = "s3",
                ["Archeio:Rules:0:Mirrors:1"] = "plain",
                ["Archeio:Rules:0:Mirrors:2"] = "upstream",
            }));

            Assert.Equal("https://s3.example/containers/manifests/{digest}", settings.Mirrors[0].ManifestUrl);
            Assert.Equal(inventory, settings.Mirrors[0].ManifestInventory);
            Assert.Equal(["s3", null, "upstream"], settings.ManifestViews.Select(v => v?.Name));
            Assert.Equal([3, 4], settings.ManifestViews.OfType<ManifestView>().Select(v => v.Slot));
            Assert.Null(settings.ManifestViewOf(settings.Mirrors[1]));
        }
        finally
        {
            File.Delete(inventory);
        }
    }

    [Theory]
    [InlineData("Archeio:Mirrors:0:ManifestUrl", "https://s3.example/containers/manifests/", "Archeio:Mirrors:0:ManifestUrl", "{digest}")]
    [InlineData("Archeio:Mirrors:0:ManifestUrl", "ftp://s3.example/{digest}", "Archeio:Mirrors:0:ManifestUrl", "absolute")]
    [InlineData("Archeio:Mirrors:0:ManifestInventory", "https://s3.example/geranos/manifest-inventory.txt", "Archeio:Mirrors:0:ManifestInventory", "ManifestUrl is not")]
    [InlineData("Archeio:Mirrors:0:ManifestInventory", "/nonexistent/manifest-inventory.txt", "Archeio:Mirrors:0:ManifestInventory", "does not exist")]
    public void Rejects_a_bad_manifest_setting_naming_its_key(string key, string value, string errorKey, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Mirrors:0:Name"] = "s3",
            ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/containers/images/{digest}",
            [key] = value,
        })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    /// <summary>Columns: the mirror's BlobUrl, its Probe, a word the error must contain.</summary>
    public static TheoryData<string, string, string> BadProbes => new()
    {
        { "https://m.example/{digest}", "sha256:abc", "verify" },
        { "https://m.example/{digest}", "sha256:" + new string('A', 64), "verify" },
        { "https://m.example/{digest}", "md5:0123456789abcdef0123456789abcdef", "verify" },
        { "https://m.example/{digest}", "library/pause@" + ProbeDigest, "digest only" },
        { "https://m.example/{name}/blobs/{digest}", ProbeDigest, "<repository>@<digest>" },
        { "https://m.example/{name}/blobs/{digest}", "Bad Name@" + ProbeDigest, "<repository>@<digest>" },
    };

    [Theory]
    [MemberData(nameof(BadProbes))]
    public void Rejects_a_probe_the_mirror_cannot_be_probed_with(string blobUrl, string probe, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Mirrors:0:Name"] = "m",
            ["Archeio:Mirrors:0:BlobUrl"] = blobUrl,
            ["Archeio:Mirrors:0:Probe"] = probe,
        })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Archeio:Mirrors:0:Probe", error.Key);
        Assert.Contains(why, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Rejects_a_bad_value_naming_its_key(string key, string value, string errorKey, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new() { [key] = value })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(error.Key, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reports_every_error_at_once()
    {
        var configuration = Build(new()
        {
            ["Archeio:Port"] = "99999",
            ["Archeio:ClientIp:ForwardedForSkip"] = "x",
            ["Archeio:Ranges:0:Cloud"] = "AWS",
            ["Archeio:Ranges:0:Format"] = "amazon",
            ["Archeio:Ranges:0:Source"] = "/nonexistent/aws.json",
            ["Archeio:Ranges:1:Format"] = "gcp",
            ["Archeio:Mirrors:0:Name"] = "m1",
            ["Archeio:Mirrors:0:BlobUrl"] = "https://m1.example/blobs/",
            ["Archeio:Mirrors:1:Name"] = "m1",
            ["Archeio:Mirrors:1:BlobUrl"] = "https://m1.example/{digest}",
            ["Archeio:Mirrors:2:Name"] = "upstream",
            ["Archeio:Mirrors:2:BlobUrl"] = "https://m2.example/{digest}",
            ["Archeio:Mirrors:3:Name"] = "host",
            ["Archeio:Mirrors:3:BlobUrl"] = "https://{digest}.example/",
            ["Archeio:Rules:0:Match:Cloud"] = "Oracle",
            ["Archeio:Rules:0:Mirrors:0"] = "nowhere",
            ["Archeio:Rules:1:Match:Regions:0"] = "eu-west-3",
            ["Archeio:Rules:2:Match:Country"] = "FR",
        });

        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(configuration));

        var keys = ex.Errors.Select(e => e.Key).ToList();
        Assert.Equal(
            [
                "Archeio:Port",
                "Archeio:InfoUrl",
                "Archeio:PrivacyUrl",
                "Archeio:Upstream:Endpoint",
                "Archeio:ClientIp:ForwardedForSkip",
                "Archeio:Ranges:0:Format",
                "Archeio:Ranges:1:Cloud",
                "Archeio:Ranges:1:Source",
                "Archeio:Mirrors:0:BlobUrl",
                "Archeio:Mirrors:1:Name",
                "Archeio:Mirrors:2:Name",
                "Archeio:Mirrors:3:BlobUrl",
                "Archeio:Rules:0:Match:Cloud",
                "Archeio:Rules:0:Mirrors:0",
                "Archeio:Rules:1:Match:Regions",
                "Archeio:Rules:2:Match:Country",
            ],
            keys);
    }

    /// <summary>Columns: key, value, key the error must name, a word its message must contain.</summary>
    public static TheoryData<string, string, string, string> BadRules => new()
    {
        { "Archeio:Rules:0:Match:Countries:0", "Netherlands", "Archeio:Rules:0:Match:Countries:0", "country" },
        { "Archeio:Rules:0:Match:Countries:0", "N1", "Archeio:Rules:0:Match:Countries:0", "country" },
        { "Archeio:Rules:0:Match:Continents:0", "EUROPE", "Archeio:Rules:0:Match:Continents:0", "continent" },
        { "Archeio:Rules:0:Match:Continents:0", "AM", "Archeio:Rules:0:Match:Continents:0", "continent" },
        { "Archeio:Rules:0:Match:Asns:0", "ASX", "Archeio:Rules:0:Match:Asns:0", "AS number" },
        { "Archeio:Rules:0:Match:Asns:0", "-5", "Archeio:Rules:0:Match:Asns:0", "AS number" },
        { "Archeio:Rules:0:Match:Asns:0", "4294967296", "Archeio:Rules:0:Match:Asns:0", "AS number" },
        { "Archeio:Rules:0:Split:0:Percent", "101", "Archeio:Rules:0:Split:0:Percent", "integer" },
        { "Archeio:Rules:0:Split:0:Percent", "-1", "Archeio:Rules:0:Split:0:Percent", "integer" },
        { "Archeio:Rules:0:Split:0:Mirror", "nowhere", "Archeio:Rules:0:Split:0:Mirror", "no mirror" },
        { "Archeio:Rules:0:Split:1:Percent", "61", "Archeio:Rules:0:Split", "more than 100" },
        { "Archeio:Rules:0:Upstream", "mars", "Archeio:Rules:0:Upstream", "no upstream" },
        { "Archeio:Upstreams:0:Name", "default", "Archeio:Upstreams:0:Name", "taken" },
        { "Archeio:Upstreams:0:Endpoint", "ftp://eu.example", "Archeio:Upstreams:0:Endpoint", "absolute" },
    };

    [Theory]
    [MemberData(nameof(BadRules))]
    public void Rejects_bad_rules_naming_the_key(string key, string value, string errorKey, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, RuleBase(), new() { [key] = value })));

        // A broken upstream also leaves the rule that names it pointing nowhere: both are reported.
        var error = Assert.Single(ex.Errors, e => e.Key == errorKey);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Accepts_geo_match_fields_and_splits()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, RuleBase(), new()
        {
            ["Archeio:Rules:0:Match:Countries:0"] = "nl",
            ["Archeio:Rules:0:Match:Continents:0"] = "eu",
            ["Archeio:Rules:0:Match:Asns:0"] = "AS3333",
            ["Archeio:Rules:0:Match:Asns:1"] = "1136",
        }));

        var rule = settings.Rules[0];
        Assert.Equal(["NL"], rule.Countries.ToArray());
        Assert.Equal(["EU"], rule.Continents.ToArray());
        Assert.Equal([3333u, 1136u], rule.Asns.ToArray());
        Assert.Equal(("b", 40), (rule.Split[0].Candidate.Name, rule.Split[0].Percent));
        Assert.Equal(1, settings.Rules[1].Index);
        Assert.Equal("https://europe-docker.pkg.dev/v2/p/images/", Assert.Single(rule.Upstreams).Prefix);
        Assert.Empty(settings.Rules[1].Upstreams);
        Assert.True(settings.Rules[1].IsCatchAll);
    }

    [Theory]
    [InlineData("Archeio:Geo:CountryDatabase", "Countries")]
    [InlineData("Archeio:Geo:AsnDatabase", "Asns")]
    public void Geo_match_fields_need_their_database(string database, string field)
    {
        var values = RuleBase();
        values.Remove(database);
        values["Archeio:Rules:0:Match:Asns:0"] = "3333";

        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, values)));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Archeio:Rules:0:Match", error.Key);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_rule_after_a_catch_all_is_unreachable()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, RuleBase(), new()
        {
            ["Archeio:Rules:2:Match:Countries:0"] = "FR",
            ["Archeio:Rules:2:Mirrors:0"] = "a",
        })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Archeio:Rules:2", error.Key);
        Assert.Contains("unreachable", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> RuleBase() => new()
    {
        ["Archeio:Mirrors:0:Name"] = "a",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://a.example/{digest}",
        ["Archeio:Mirrors:1:Name"] = "b",
        ["Archeio:Mirrors:1:BlobUrl"] = "https://b.example/{digest}",
        ["Archeio:Rules:0:Match:Countries:0"] = "DE",
        ["Archeio:Rules:0:Mirrors:0"] = "a",
        ["Archeio:Rules:0:Split:0:Mirror"] = "b",
        ["Archeio:Rules:0:Split:0:Percent"] = "40",
        ["Archeio:Rules:0:Split:1:Mirror"] = "a",
        ["Archeio:Rules:0:Split:1:Percent"] = "30",
        ["Archeio:Rules:1:Match"] = "",
        ["Archeio:Rules:1:Mirrors:0"] = "a",
        ["Archeio:Upstreams:0:Name"] = "europe",
        ["Archeio:Upstreams:0:Endpoint"] = "https://europe-docker.pkg.dev",
        ["Archeio:Upstreams:0:Path"] = "p/images",
        ["Archeio:Rules:0:Upstream"] = "Europe",
        // Only existence is checked when reading: any file stands in for the databases here.
        ["Archeio:Geo:CountryDatabase"] = typeof(ArcheioSettingsReaderTests).Assembly.Location,
        ["Archeio:Geo:AsnDatabase"] = typeof(ArcheioSettingsReaderTests).Assembly.Location,
    };

    [Fact]
    public void A_missing_range_file_is_an_error_naming_it()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Ranges:0:Cloud"] = "AWS",
            ["Archeio:Ranges:0:Format"] = "aws",
            ["Archeio:Ranges:0:Source"] = "/nonexistent/aws.json",
        })));

        var error = Assert.Single(ex.Errors);
        Assert.Equal("Archeio:Ranges:0:Source", error.Key);
        Assert.Contains("/nonexistent/aws.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_resolve_mirror_names_and_keep_order()
    {
        var settings = ArcheioSettingsReader.ReadOrThrow(Build(Minimal, new()
        {
            ["Archeio:Ranges:0:Cloud"] = "AWS",
            ["Archeio:Ranges:0:Format"] = "AWS",
            ["Archeio:Ranges:0:Source"] = "https://ranges.example/aws.json",
            ["Archeio:Mirrors:0:Name"] = "a",
            ["Archeio:Mirrors:0:BlobUrl"] = "https://a.example/containers/images/{digest}",
            ["Archeio:Mirrors:1:Name"] = "b",
            ["Archeio:Mirrors:1:BlobUrl"] = "https://b.example/x?d={digest}",
            ["Archeio:Rules:0:Match:Cloud"] = "aws",
            ["Archeio:Rules:0:Match:Regions:0"] = "eu-west-3",
            ["Archeio:Rules:0:Mirrors:0"] = "B",
            ["Archeio:Rules:0:Mirrors:1"] = "a",
            ["Archeio:Rules:1:Match"] = "",
            ["Archeio:Rules:1:Mirrors"] = "",
        }));

        Assert.Equal(2, settings.Rules.Length);
        Assert.Equal("aws", settings.Rules[0].Cloud);
        Assert.Equal(["eu-west-3"], settings.Rules[0].Regions.ToArray());
        Assert.Equal(["b", "a"], settings.Rules[0].Candidates.Select(m => m.Name));
        Assert.Null(settings.Rules[1].Cloud);
        Assert.Empty(settings.Rules[1].Candidates);
        Assert.Equal("https://b.example/x?d=sha256:00", settings.Mirrors[1].UrlFor("pause", "sha256:00"));
    }

    private static IConfiguration Build(Dictionary<string, string?> values, Dictionary<string, string?>? extra = null, Dictionary<string, string?>? more = null)
        => new ConfigurationBuilder().AddInMemoryCollection(values).AddInMemoryCollection(extra ?? []).AddInMemoryCollection(more ?? []).Build();
}
