using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Routing;
using Archeio.Tests.Support;

namespace Archeio.Tests.Routing;

/// <summary>Rules over geography and ASNs, and splits, with client facts injected.</summary>
public sealed class RuleMatchingTests
{
    private static readonly MirrorSettings Eu = new("eu", "https://eu.example/{digest}", 0);
    private static readonly MirrorSettings Nl = new("nl", "https://nl.example/{digest}", 1);
    private static readonly MirrorSettings Ripe = new("ripe", "https://ripe.example/{digest}", 2);
    private static readonly MirrorSettings Aws = new("aws", "https://aws.example/{digest}", 3);
    private static readonly MirrorSettings Cdn = new("cdn", "https://cdn.example/{digest}", 4);
    private static readonly MirrorSettings Canary = new("canary", "https://canary.example/{digest}", 5);

    private static readonly Router Router = new(TestSettings.Create(
        mirrors: [Eu, Nl, Ripe, Aws, Cdn, Canary],
        rules:
        [
            new RuleSettings("AWS", [], [Aws]) { Index = 0, Countries = ["DE"] },
            new RuleSettings(null, [], [Ripe]) { Index = 1, Asns = [3333] },
            new RuleSettings(null, [], [Nl, Eu]) { Index = 2, Countries = ["NL", "BE"] },
            new RuleSettings(null, [], [Eu]) { Index = 3, Continents = ["EU"] },
            new RuleSettings(null, [], [Cdn]) { Index = 4 },
        ]));

    /// <summary>Columns: cloud (or null), country, continent, ASN (0: unknown), index of the rule expected.</summary>
    public static TheoryData<string?, string?, string?, uint, int> Cases => new()
    {
        // Every given field must fit: AWS and Germany.
        { "AWS", "DE", "EU", 16509, 0 },
        { "AWS", "FR", "EU", 16509, 3 },
        { null, "DE", "EU", 3320, 3 },
        // ASN before country.
        { null, "NL", "EU", 3333, 1 },
        { null, "NL", "EU", 1136, 2 },
        { null, "BE", "EU", 5432, 2 },
        { null, "FR", "EU", 3215, 3 },
        { null, "US", "NA", 15169, 4 },
        // Unknown facts never fit a rule that asks for them.
        { null, null, null, 0, 4 },
        { "GCP", null, "EU", 0, 3 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_first_rule_whose_every_given_field_fits_wins(string? cloud, string? country, string? continent, uint asn, int expected)
    {
        var client = Client("198.51.100.7", cloud, country, continent, asn == 0 ? null : asn);

        Assert.Equal(expected, Router.MatchRule(client)?.Index);
    }

    [Fact]
    public void Splits_send_their_share_to_another_first_choice_stably()
    {
        var rule = new RuleSettings(null, [], [Eu, Canary]) { Split = [new SplitSettings(Canary, 10), new SplitSettings(Nl, 25)] };
        var random = new Random(5);
        var counts = new Dictionary<string, int>();
        const int clients = 100_000;
        for (var i = 0; i < clients; i++)
        {
            var address = i % 2 == 0
                ? new IPAddress(random.NextInt64(0x01000000, 0xE0000000) is var v ? BitConverter.GetBytes((uint)v).Reverse().ToArray() : [])
                : new IPAddress(Enumerable.Range(0, 16).Select(_ => (byte)random.Next(256)).ToArray());
            var client = new ClientFacts(address, null, null);
            var first = Router.CandidatesFor(rule, client);
            counts[first[0].Name] = counts.GetValueOrDefault(first[0].Name) + 1;

            // Stable: the same client gets the same order every time.
            Assert.Equal(first.ToArray(), Router.CandidatesFor(rule, client).ToArray());
            // The split mirror comes first, then the rule's list without repeating it.
            Assert.Equal(first.Length, first.Distinct().Count());
        }

        Assert.InRange(counts["canary"] / (double)clients, 0.08, 0.12);
        Assert.InRange(counts["nl"] / (double)clients, 0.23, 0.27);
        Assert.InRange(counts["eu"] / (double)clients, 0.63, 0.67);
    }

    [Fact]
    public void Neighbouring_addresses_spread_over_the_split()
    {
        var rule = new RuleSettings(null, [], [Eu]) { Split = [new SplitSettings(Canary, 50)] };
        var canary = Enumerable.Range(0, 256)
            .Count(i => Router.CandidatesFor(rule, new ClientFacts(IPAddress.Parse("203.0.113." + i), null, null))[0] == Canary);

        Assert.InRange(canary, 100, 156);
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(100, 1000)]
    public void Zero_and_full_shares_are_exact(int percent, int expected)
    {
        var rule = new RuleSettings(null, [], [Eu]) { Split = [new SplitSettings(Canary, percent)] };
        var random = new Random(7);

        var canary = Enumerable.Range(0, 1000)
            .Count(_ => Router.CandidatesFor(rule, new ClientFacts(new IPAddress(random.NextInt64(1, uint.MaxValue)), null, null))[0] == Canary);

        Assert.Equal(expected, canary);
    }

    private static ClientFacts Client(string address, string? cloud, string? country, string? continent, uint? asn)
        => new(IPAddress.Parse(address), null, cloud is null ? null : new CloudLocation(cloud, "eu-central-1"), new GeoFacts(country, continent, asn));
}
