using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;
using Archeio.RateLimiting;
using Archeio.Ranges.Table;
using Archeio.Routing;

namespace Archeio.Tests.RateLimiting;

/// <summary>Which limit applies to a client and which partition it counts in: the pure policy, alone.</summary>
public sealed class RateLimitPolicyTests
{
    private static readonly RateLimitSettings Corp = Limit("corp", ClientPartition.Network) with
    {
        Match = ClientMatch.Everyone with { Networks = [IPNetwork.Parse("10.0.0.0/8")] },
    };

    private static readonly RateLimitSettings Aws = Limit("aws", ClientPartition.Asn, index: 1) with { Match = ClientMatch.Everyone with { Cloud = "AWS" } };

    private static readonly RateLimitSettings Everyone = Limit("everyone", ClientPartition.Address, index: 2);

    private readonly RateLimitPolicy _policy = new([Corp, Aws, Everyone], new RateLimitExemptSettings([IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("2001:db8:ff::/48")], [64500]));

    public static TheoryData<string, string?, uint?, string?, string?> Clients => new()
    {
        // address, cloud, ASN -> limit, partition
        { "10.1.2.3", null, null, "corp", "10.1.2.0/24" },
        { "10.1.2.250", "AWS", 16509, "corp", "10.1.2.0/24" },
        { "198.51.100.7", "AWS", 16509, "aws", "AS16509" },
        { "198.51.100.7", "AWS", null, "aws", "198.51.100.7" },
        { "198.51.100.7", null, null, "everyone", "198.51.100.7" },
        { "2001:db8:1:2::1", null, null, "everyone", "2001:db8:1:2::1" },
        { "::ffff:198.51.100.7", null, null, "everyone", "198.51.100.7" },
        { "192.0.2.9", null, null, null, null },
        { "2001:db8:ff:1::9", null, null, null, null },
        { "198.51.100.8", null, 64500, null, null },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public void The_first_fitting_limit_applies_to_the_clients_partition_unless_exempt(string address, string? cloud, uint? asn, string? limit, string? partition)
    {
        var ip = IPAddress.Parse(address);
        var client = new ClientFacts(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, null, cloud is null ? null : new CloudLocation(cloud, "us-east-1"), new GeoFacts(null, null, asn));

        var found = _policy.TryChoose(client, peer: null, out var chosen, out var key);

        Assert.Equal(limit is not null, found);
        if (found)
        {
            Assert.Equal(limit, chosen.Name);
            Assert.Equal(partition, key.ToString());
            Assert.Equal(chosen.Index, key.Limit);
        }
    }

    [Fact]
    public void Network_partitions_are_slash_24_and_slash_56()
    {
        static string Of(string address) => RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse(address)).ToString();

        Assert.Equal("203.0.113.0/24", Of("203.0.113.255"));
        Assert.Equal(RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("203.0.113.1")), RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("203.0.113.200")));
        Assert.NotEqual(RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("203.0.113.1")), RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("203.0.114.1")));
        Assert.Equal("2001:db8:0:ab00::/56", Of("2001:db8:0:abff:1:2:3:4"));
        Assert.Equal(RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("2001:db8:0:ab00::1")), RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("2001:db8:0:abff::1")));
        Assert.NotEqual(RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("2001:db8:0:ab00::1")), RateLimitKey.Of(0, ClientPartition.Network, IPAddress.Parse("2001:db8:0:ac00::1")));
        // The same number in the two families, and two limits, are different partitions.
        Assert.NotEqual(RateLimitKey.Of(0, ClientPartition.Address, IPAddress.Parse("0.0.0.1")), RateLimitKey.Of(0, ClientPartition.Address, IPAddress.Parse("::1")));
        Assert.NotEqual(RateLimitKey.Of(0, ClientPartition.Address, IPAddress.Parse("10.0.0.1")), RateLimitKey.Of(1, ClientPartition.Address, IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void A_client_whose_address_is_unknown_counts_as_its_peer()
    {
        var client = new ClientFacts(null, "X-Forwarded-For has too few entries", null);

        Assert.True(_policy.TryChoose(client, IPAddress.Parse("::ffff:198.51.100.9"), out var limit, out var key));
        Assert.Equal("everyone", limit.Name);
        Assert.Equal("198.51.100.9", key.ToString());
        Assert.False(_policy.TryChoose(client, peer: null, out _, out _));
    }

    [Fact]
    public void No_limit_fits_no_limit_applies()
    {
        var policy = new RateLimitPolicy([Corp], RateLimitExemptSettings.None);

        Assert.False(policy.TryChoose(new ClientFacts(IPAddress.Parse("198.51.100.7"), null, null), null, out _, out _));
        Assert.True(new RateLimitPolicy(ImmutableArray<RateLimitSettings>.Empty, RateLimitExemptSettings.None).IsEmpty);
    }

    /// <summary>The rules' matching and the limits' are one: a rule and a limit with the same match fit the same clients.</summary>
    [Fact]
    public void Limits_fit_the_clients_the_same_match_fits_as_a_rule()
    {
        var match = ClientMatch.Everyone with { Cloud = "AWS", Regions = ["us-east-1"], Networks = [IPNetwork.Parse("198.51.100.0/24")] };
        var rule = new RuleSettings(match.Cloud, match.Regions, []) { Networks = match.Networks };
        var router = new Router(Support.TestSettings.Create(rules: [rule]));
        foreach (var (address, region) in new[] { ("198.51.100.7", "us-east-1"), ("198.51.100.7", "eu-west-1"), ("203.0.113.1", "us-east-1") })
        {
            var client = new ClientFacts(IPAddress.Parse(address), null, new CloudLocation("AWS", region));
            var policy = new RateLimitPolicy([Everyone with { Match = match, Index = 0 }], RateLimitExemptSettings.None);

            Assert.Equal(router.MatchRule(client) is not null, policy.TryChoose(client, null, out _, out _));
        }
    }

    private static RateLimitSettings Limit(string name, ClientPartition partition, int index = 0)
        => new(name, ClientMatch.Everyone, partition, 60, 60, Shared: false) { Index = index };
}
