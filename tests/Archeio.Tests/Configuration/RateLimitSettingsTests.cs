using Archeio.Configuration;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

/// <summary><c>RateLimits</c>, <c>RateLimitExempt</c> and <c>Upstreams:N:MaxRequestsPerMinute</c>: read, defaulted and refused, every error at once.</summary>
public sealed class RateLimitSettingsTests
{
    private static readonly Dictionary<string, string?> Base = new()
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example/",
    };

    [Fact]
    public void No_limits_by_default()
    {
        var settings = Read([]);

        Assert.Empty(settings.RateLimits);
        Assert.Same(RateLimitExemptSettings.None, settings.RateLimitExempt);
        Assert.Equal(0, settings.Upstream.MaxRequestsPerMinute);
    }

    [Fact]
    public void Reads_limits_in_order_with_their_defaults()
    {
        var settings = Read(new()
        {
            ["Archeio:RateLimits:0:Name"] = "corp",
            ["Archeio:RateLimits:0:Match:Networks:0"] = "10.0.0.0/8",
            ["Archeio:RateLimits:0:PartitionBy"] = "network",
            ["Archeio:RateLimits:0:PermitsPerMinute"] = "1200",
            ["Archeio:RateLimits:0:Burst"] = "100",
            ["Archeio:RateLimits:1:PermitsPerMinute"] = "60",
            ["Archeio:RateLimitExempt:Networks:0"] = "192.0.2.0/24",
            ["Archeio:Upstream:MaxRequestsPerMinute"] = "60000",
        });

        Assert.Equal(2, settings.RateLimits.Length);
        var corp = settings.RateLimits[0];
        Assert.Equal(("corp", ClientPartition.Network, 1200, 100, false, 0), (corp.Name, corp.PartitionBy, corp.PermitsPerMinute, corp.Burst, corp.Shared, corp.Index));
        Assert.Equal(["10.0.0.0/8"], corp.Match.Networks.Select(n => n.ToString()));
        var everyone = settings.RateLimits[1];
        // Unnamed: its position; by address; a bucket of a minute's permits.
        Assert.Equal(("limit-1", ClientPartition.Address, 60, 60, 1), (everyone.Name, everyone.PartitionBy, everyone.PermitsPerMinute, everyone.Burst, everyone.Index));
        Assert.True(ClientMatch.IsEveryone(everyone.Match));
        Assert.Equal("rate-limited:limit-1", everyone.Decision);
        Assert.Equal(["192.0.2.0/24"], settings.RateLimitExempt.Networks.Select(n => n.ToString()));
        Assert.Equal(60000, settings.Upstream.MaxRequestsPerMinute);
    }

    [Fact]
    public void A_shared_limit_is_read_with_redis()
        => Assert.True(Read(new()
        {
            ["Archeio:BlobCheck:Redis"] = "127.0.0.1:6379",
            ["Archeio:RateLimits:0:PermitsPerMinute"] = "60",
            ["Archeio:RateLimits:0:Shared"] = "true",
        }).RateLimits[0].Shared);

    public static TheoryData<string, string, string, string> BadValues => new()
    {
        { "Archeio:RateLimits:0:PermitsPerMinute", "0", "Archeio:RateLimits:0:PermitsPerMinute", "integer from 1 to 100000000" },
        { "Archeio:RateLimits:0:PermitsPerMinute", "lots", "Archeio:RateLimits:0:PermitsPerMinute", "not an integer" },
        { "Archeio:RateLimits:0:Burst", "0", "Archeio:RateLimits:0:Burst", "integer from 1" },
        { "Archeio:RateLimits:0:PartitionBy", "Cookie", "Archeio:RateLimits:0:PartitionBy", "not one of Address, Network, Asn" },
        { "Archeio:RateLimits:0:PartitionBy", "Asn", "Archeio:RateLimits:0:PartitionBy", "needs Geo:AsnDatabase" },
        { "Archeio:RateLimits:0:Shared", "yes", "Archeio:RateLimits:0:Shared", "not true or false" },
        { "Archeio:RateLimits:0:Shared", "true", "Archeio:RateLimits:0:Shared", "no Redis is configured" },
        { "Archeio:RateLimits:0:Name", "my limit", "Archeio:RateLimits:0:Name", "may not contain spaces" },
        { "Archeio:RateLimits:0:Match:Networks:0", "10.0.0.1/8", "Archeio:RateLimits:0:Match:Networks:0", "host bits are set" },
        { "Archeio:RateLimits:0:Match:Asns:0", "AS3333", "Archeio:RateLimits:0:Match", "need Geo:AsnDatabase" },
        { "Archeio:RateLimits:0:Match:Countries:0", "NL", "Archeio:RateLimits:0:Match", "need Geo:CountryDatabase" },
        { "Archeio:RateLimits:0:Match:Cloud", "AWS", "Archeio:RateLimits:0:Match:Cloud", "no Ranges source defines cloud 'AWS'" },
        { "Archeio:RateLimits:0:Match:Regions:0", "eu-west-1", "Archeio:RateLimits:0:Match:Regions", "needs Match:Cloud" },
        { "Archeio:RateLimits:0:Match:Cidr", "10.0.0.0/8", "Archeio:RateLimits:0:Match:Cidr", "unknown setting" },
        { "Archeio:RateLimits:0:Permits", "1", "Archeio:RateLimits:0:Permits", "unknown setting" },
        { "Archeio:RateLimitExempt:Networks:0", "ci", "Archeio:RateLimitExempt:Networks:0", "not a CIDR network" },
        { "Archeio:RateLimitExempt:Asns:0", "AS3333", "Archeio:RateLimitExempt:Asns", "need Geo:AsnDatabase" },
        { "Archeio:RateLimitExempt:Addresses:0", "10.0.0.1", "Archeio:RateLimitExempt:Addresses", "unknown setting" },
        { "Archeio:Upstream:MaxRequestsPerMinute", "-1", "Archeio:Upstream:MaxRequestsPerMinute", "integer from 0" },
    };

    [Theory]
    [MemberData(nameof(BadValues))]
    public void Refuses_bad_values_naming_the_key(string key, string value, string errorKey, string why)
    {
        var values = new Dictionary<string, string?> { [key] = value };
        if (!key.Contains("PermitsPerMinute", StringComparison.Ordinal) && key.StartsWith("Archeio:RateLimits:0", StringComparison.Ordinal))
        {
            values["Archeio:RateLimits:0:PermitsPerMinute"] = "60";
        }

        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(values));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(errorKey, error.Key);
        Assert.Contains(why, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Every_error_is_reported_at_once_in_key_order()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(new()
        {
            ["Archeio:RateLimits:0:Name"] = "all",
            ["Archeio:RateLimits:1:Name"] = "ALL",
            ["Archeio:RateLimits:1:PermitsPerMinute"] = "10",
            ["Archeio:RateLimits:2:Match:Networks:0"] = "10.0.0.0/8",
        }));

        Assert.Equal(
            [
                "Archeio:RateLimits:0:PermitsPerMinute", "Archeio:RateLimits:1:Name", "Archeio:RateLimits:1",
                "Archeio:RateLimits:2:PermitsPerMinute", "Archeio:RateLimits:2",
            ],
            ex.Errors.Select(e => e.Key));
        Assert.Contains("is required", ex.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'ALL' is taken", ex.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("unreachable: Archeio:RateLimits:0 matches every client", ex.Errors[2].Message, StringComparison.Ordinal);
    }

    private static ArcheioSettings Read(Dictionary<string, string?> values)
        => ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(Base).AddInMemoryCollection(values).Build());
}
