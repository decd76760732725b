using System.Text.Json.Nodes;
using Archeio.Configuration;
using Archeio.Egress;
using Archeio.Routing;

namespace Archeio.Tests.Egress;

/// <summary>The list built from <see cref="EgressExample"/>: exactly the hosts each rule's clients can be sent to, and their union.</summary>
public sealed class EgressListTests
{
    private static readonly ArcheioSettings Settings = EgressExample.Settings();
    private static readonly EgressList List = EgressList.Build(Settings, new Router(Settings));

    [Fact]
    public void A_proxying_rule_reaches_no_host_besides_Archeio_and_says_what_Archeio_fetches()
    {
        var proxy = List.Entries[0];

        Assert.Equal(0, proxy.Index);
        Assert.Equal(RuleAction.Proxy, proxy.Action);
        Assert.Equal("Match Networks=10.0.0.0/8", proxy.MatchInWords);
        Assert.Empty(proxy.Hosts);
        // Its failover list is Archeio:UpstreamFailover (third, then default); third has no signature endpoint of its own.
        Assert.Equal(["third", "default"], proxy.Upstreams.Select(u => u.Name));
        Assert.Equal(
            ["main.example:443", "manifests.example:443", "s3.example:443", "sig.example:443", "storage.main.example:443", "third.example:80"],
            proxy.FetchedByArcheio.Select(h => h.HostPort));
    }

    [Fact]
    public void A_redirecting_rule_reaches_its_mirrors_split_included_its_upstreams_their_signatures_and_redirect_hosts()
    {
        var cloud = List.Entries[1];

        Assert.Equal("Match Cloud=AWS Regions=eu-west-3", cloud.MatchInWords);
        Assert.Empty(cloud.FetchedByArcheio);
        Assert.Equal(
            [
                "blobs.second.example:9443", "canary.example:443", "eu.example:443", "main.example:443", "manifests.example:443",
                "s3.example:443", "second.example:8443", "sig.example:443", "sig.second.example:443", "storage.main.example:443",
            ],
            cloud.Hosts.Select(h => h.HostPort));
        Assert.Equal(["mirror s3: blobs"], Reasons(cloud, "s3.example:443"));
        Assert.Equal(["mirror s3: manifests by digest"], Reasons(cloud, "manifests.example:443"));
        Assert.Equal(["upstream second (failover 2 of 2): manifests by tag, tags, referrers, blobs no mirror holds"], Reasons(cloud, "second.example:8443"));
        Assert.Equal(["upstream default redirects to it (RedirectHosts)"], Reasons(cloud, "storage.main.example:443"));
    }

    [Fact]
    public void Upstream_candidates_are_their_upstreams_hosts()
    {
        var candidates = List.Entries[2];

        Assert.Equal(["blobs.second.example:9443", "second.example:8443", "sig.second.example:443"], candidates.Hosts.Select(h => h.HostPort));
        Assert.Equal(
            ["signature-upstream:second: blobs it holds (a candidate of the rule)", "signature upstream of second: cosign signature tags"],
            Reasons(candidates, "sig.second.example:443"));
        Assert.Equal(
            ["upstream:second: blobs it holds (a candidate of the rule)", "upstream second: manifests by tag, tags, referrers, blobs no mirror holds"],
            Reasons(candidates, "second.example:8443"));
    }

    [Fact]
    public void Clients_no_rule_fits_reach_the_failover_list_and_cosign_tags_fall_back_to_the_default_signature_endpoint()
    {
        var none = List.Entries[^1];

        Assert.Null(none.Rule);
        Assert.Same(none, List.NoRule);
        Assert.Equal(EgressEntry.NoRuleInWords, none.MatchInWords);
        Assert.Equal(["main.example:443", "sig.example:443", "storage.main.example:443", "third.example:80"], none.Hosts.Select(h => h.HostPort));
        Assert.Equal(
            ["signature upstream of default: cosign signature tags of third", "signature upstream of default: cosign signature tags"],
            Reasons(none, "sig.example:443"));
    }

    [Fact]
    public void The_union_is_every_rule_s_hosts_sorted_without_what_only_Archeio_fetches()
    {
        Assert.Equal(4, List.Entries.Length);
        Assert.Equal(
            string.Join(' ', List.Entries.SelectMany(e => e.Hosts).Select(h => h.HostPort).Distinct().Order(StringComparer.Ordinal)),
            string.Join(' ', List.Hosts));
        Assert.Equal(
            [
                "blobs.second.example:9443", "canary.example:443", "eu.example:443", "main.example:443", "manifests.example:443",
                "s3.example:443", "second.example:8443", "sig.example:443", "sig.second.example:443", "storage.main.example:443", "third.example:80",
            ],
            List.Hosts.AsEnumerable());
    }

    [Fact]
    public void Behind_a_catch_all_no_client_is_left_without_a_rule()
    {
        var archeio = EgressExample.Archeio();
        archeio["Rules"]!.AsArray().Add(new JsonObject { ["Mirrors"] = new JsonArray("eu"), ["Upstreams"] = new JsonArray("second") });
        var settings = EgressExample.Settings(archeio);
        var list = EgressList.Build(settings, new Router(settings));

        Assert.Equal([0, 1, 2, 3], list.Entries.Select(e => e.Index));
        Assert.Equal("matches every client", list.Entries[^1].MatchInWords);
        // third.example is only in the list of clients no rule fits, and no client is left to be one.
        Assert.DoesNotContain("third.example:80", list.Hosts);
        Assert.Same(list.NoRule, list.EntryFor(null));
    }

    [Fact]
    public void Each_rule_s_entry_is_found_by_the_rule_the_router_matched()
    {
        foreach (var rule in Settings.Rules)
        {
            Assert.Same(rule, List.EntryFor(rule).Rule);
        }
    }

    [Theory]
    [InlineData("https://a.example/x/{digest}", "a.example:443")]
    [InlineData("http://A.Example/{name}/{digest}", "a.example:80")]
    [InlineData("https://a.example:8443/{digest}", "a.example:8443")]
    [InlineData("http://[2001:db8::1]:8080/{digest}", "[2001:db8::1]:8080")]
    public void Hosts_are_lower_case_with_the_port_written_out(string template, string expected)
        => Assert.Equal(expected, EgressHost.OfTemplate(template));

    private static string[] Reasons(EgressEntry entry, string host) => [.. entry.Hosts.Single(h => h.HostPort == host).Reasons];
}
