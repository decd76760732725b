using Archeio.Configuration;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

/// <summary><c>Rules:N:Match:Networks</c>, <c>Rules:N:Action</c>, <c>Proxy</c>, <c>Egress</c> and <c>RedirectHosts</c>: read, defaulted and refused.</summary>
public sealed class ProxyAndEgressSettingsTests
{
    private static readonly Dictionary<string, string?> Base = new()
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example/",
        ["Archeio:Mirrors:0:Name"] = "s3",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/{digest}",
    };

    [Fact]
    public void Defaults_redirect_and_serve_the_egress_list_at_egress()
    {
        var settings = Read(new() { ["Archeio:Rules:0:Match"] = "", ["Archeio:Rules:0:Mirrors:0"] = "s3" });

        Assert.Equal(RuleAction.Redirect, settings.Rules[0].Action);
        Assert.Empty(settings.Rules[0].Networks);
        Assert.Equal(ProxySettings.Default, settings.Proxy);
        Assert.Equal("/egress", settings.Egress.Path);
        Assert.Empty(settings.Upstream.RedirectHosts);
    }

    [Fact]
    public void Reads_networks_action_proxy_egress_and_redirect_hosts()
    {
        var settings = Read(new()
        {
            ["Archeio:Rules:0:Match:Networks:0"] = "10.0.0.0/8",
            ["Archeio:Rules:0:Match:Networks:1"] = "2001:db8::/32",
            ["Archeio:Rules:0:Action"] = "PROXY",
            ["Archeio:Proxy:FirstByteTimeout"] = "00:00:03",
            ["Archeio:Proxy:IdleTimeout"] = "00:01:00",
            ["Archeio:Proxy:MaxConcurrent"] = "7",
            ["Archeio:Egress:Path"] = "/firewall/",
            ["Archeio:Upstream:RedirectHosts:0"] = "Storage.Example",
            ["Archeio:Upstream:RedirectHosts:1"] = "cdn.example:8443",
            ["Archeio:Upstream:RedirectHosts:2"] = "[2001:db8::1]",
        });

        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], settings.Rules[0].Networks.Select(n => n.ToString()));
        Assert.Equal(RuleAction.Proxy, settings.Rules[0].Action);
        Assert.Equal(new ProxySettings(TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(1), 7), settings.Proxy);
        Assert.Equal("/firewall", settings.Egress.Path);
        Assert.Equal(["storage.example:443", "cdn.example:8443", "[2001:db8::1]:443"], settings.Upstream.RedirectHosts.ToArray());
    }

    [Fact]
    public void An_empty_egress_path_turns_the_list_off()
        => Assert.Null(Read(new() { ["Archeio:Egress:Path"] = "" }).Egress.Path);

    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { "Archeio:Rules:0:Match:Networks:0", "10.0.0.1/8", "Archeio:Rules:0:Match:Networks:0", "host bits are set" },
        { "Archeio:Rules:0:Match:Networks:0", "corp", "Archeio:Rules:0:Match:Networks:0", "not a CIDR network" },
        { "Archeio:Rules:0:Action", "Tunnel", "Archeio:Rules:0:Action", "not one of Redirect, Proxy" },
        { "Archeio:Rules:0:Action", "1", "Archeio:Rules:0:Action", "not one of Redirect, Proxy" },
        { "Archeio:Proxy:FirstByteTimeout", "00:00:00", "Archeio:Proxy:FirstByteTimeout", "above zero" },
        { "Archeio:Proxy:IdleTimeout", "01:00:00", "Archeio:Proxy:IdleTimeout", "at most" },
        { "Archeio:Proxy:MaxConcurrent", "-1", "Archeio:Proxy:MaxConcurrent", "integer from 0" },
        { "Archeio:Proxy:Buffer", "1", "Archeio:Proxy:Buffer", "unknown setting" },
        { "Archeio:Egress:Path", "/v2/egress", "Archeio:Egress:Path", "collides with the registry API" },
        { "Archeio:Egress:Path", "/v2", "Archeio:Egress:Path", "collides with the registry API" },
        { "Archeio:Egress:Path", "/privacy", "Archeio:Egress:Path", "collides with the privacy page" },
        { "Archeio:Egress:Path", "egress", "Archeio:Egress:Path", "not an absolute path" },
        { "Archeio:Egress:Path", "/", "Archeio:Egress:Path", "not an absolute path" },
        { "Archeio:Egress:Path", "/egress?x=1", "Archeio:Egress:Path", "not an absolute path" },
        { "Archeio:Upstream:RedirectHosts:0", "https://storage.example/", "Archeio:Upstream:RedirectHosts:0", "not a host or host:port" },
        { "Archeio:Upstream:RedirectHosts:0", "user@storage.example", "Archeio:Upstream:RedirectHosts:0", "not a host or host:port" },
        { "Archeio:Upstream:RedirectHosts", "storage.example", "Archeio:Upstream:RedirectHosts", "is a list of hosts" },
        { "Archeio:Mirrors:0:PricePerGiB", "-0.01", "Archeio:Mirrors:0:PricePerGiB", "not a number at least 0" },
        { "Archeio:Mirrors:0:PricePerGiB", "0,02", "Archeio:Mirrors:0:PricePerGiB", "not a number at least 0" },
        { "Archeio:Mirrors:0:PricePerGiB", "$0.02", "Archeio:Mirrors:0:PricePerGiB", "without a currency" },
        { "Archeio:Mirrors:0:PricePerGiB", "NaN", "Archeio:Mirrors:0:PricePerGiB", "not a number at least 0" },
        { "Archeio:Mirrors:0:PricePerGiB", "Infinity", "Archeio:Mirrors:0:PricePerGiB", "not a number at least 0" },
        { "Archeio:Upstream:PricePerGiB", "free", "Archeio:Upstream:PricePerGiB", "not a number at least 0" },
    };

    [Fact]
    public void Prices_per_GiB_are_read_for_mirrors_and_upstreams_and_optional()
    {
        var settings = Read(new()
        {
            ["Archeio:Mirrors:0:PricePerGiB"] = "0.02",
            ["Archeio:Mirrors:1:Name"] = "free",
            ["Archeio:Mirrors:1:BlobUrl"] = "https://free.example/{digest}",
            ["Archeio:Mirrors:1:PricePerGiB"] = "0",
            ["Archeio:Mirrors:2:Name"] = "unpriced",
            ["Archeio:Mirrors:2:BlobUrl"] = "https://unpriced.example/{digest}",
            ["Archeio:Upstream:PricePerGiB"] = "1.2e-1",
            ["Archeio:Upstreams:0:Name"] = "eu",
            ["Archeio:Upstreams:0:Endpoint"] = "https://eu.example",
            ["Archeio:Upstreams:0:PricePerGiB"] = "0.09",
        });

        Assert.Equal([0.02, 0, null], settings.Mirrors.Select(m => m.PricePerGiB));
        Assert.Equal(0.12, settings.Upstream.PricePerGiB);
        Assert.Equal(0.09, Assert.Single(settings.Upstreams).PricePerGiB);
    }

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Refuses_bad_values_naming_the_key(string key, string value, string errorKey, string why)
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(new() { ["Archeio:Rules:0:Match:Countries"] = "", [key] = value }));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void A_proxying_rule_with_no_stream_allowed_is_refused_and_every_error_reported_at_once()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(new()
        {
            ["Archeio:Rules:0:Match:Networks:0"] = "10.0.0.1/8",
            ["Archeio:Rules:0:Action"] = "Proxy",
            ["Archeio:Proxy:MaxConcurrent"] = "0",
            ["Archeio:Egress:Path"] = "/v2/",
        }));

        Assert.Equal(["Archeio:Rules:0:Match:Networks:0", "Archeio:Proxy:MaxConcurrent", "Archeio:Egress:Path"], ex.Errors.Select(e => e.Key));
        Assert.Contains("Archeio:Rules:0 proxies", ex.Errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Max_concurrent_zero_is_allowed_while_no_rule_proxies()
        => Assert.Equal(0, Read(new() { ["Archeio:Proxy:MaxConcurrent"] = "0" }).Proxy.MaxConcurrent);

    private static ArcheioSettings Read(Dictionary<string, string?> values)
        => ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(Base).AddInMemoryCollection(values).Build());
}
