using System.Net;
using Archeio.Configuration;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Routing;

/// <summary>
/// <c>Rules:N:Match:Networks</c> and <c>Action: Proxy</c> in the pure router: a client inside a proxying rule's networks
/// gets a <see cref="Proxy"/> whose sources are the target its redirect would have named, then the rest of its
/// failover list, healthy first; everything else is decided as before. Table-driven over the request kinds.
/// </summary>
public sealed class ProxyDecisionTests
{
    private static readonly ArcheioSettings Settings = ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://main.example",
        ["Archeio:Upstream:Path"] = "project",
        ["Archeio:Upstream:SignatureEndpoint"] = "https://sig.example",
        ["Archeio:Upstreams:0:Name"] = "second",
        ["Archeio:Upstreams:0:Endpoint"] = "https://second.example",
        ["Archeio:Mirrors:0:Name"] = "s3",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/containers/images/{digest}",
        ["Archeio:Mirrors:0:ManifestUrl"] = "https://s3.example/containers/manifests/{digest}",
        ["Archeio:Rules:0:Match:Networks:0"] = "10.0.0.0/8",
        ["Archeio:Rules:0:Match:Networks:1"] = "2001:db8::/32",
        ["Archeio:Rules:0:Mirrors:0"] = "s3",
        ["Archeio:Rules:0:Mirrors:1"] = "upstream",
        ["Archeio:Rules:0:Upstreams:0"] = "default",
        ["Archeio:Rules:0:Upstreams:1"] = "second",
        ["Archeio:Rules:0:Action"] = "proxy",
        ["Archeio:Rules:1:Match"] = "",
        ["Archeio:Rules:1:Mirrors:0"] = "s3",
    }).Build());

    private static readonly Router Router = new(Settings);
    private static readonly ClientFacts Corporate = new(IPAddress.Parse("10.1.2.3"), null, null);
    private static readonly ClientFacts CorporateV6 = new(IPAddress.Parse("2001:db8::7"), null, null);
    private static readonly ClientFacts Outside = new(IPAddress.Parse("198.51.100.3"), null, null);

    [Fact]
    public void Networks_decide_the_rule_v4_and_v6_and_others_fall_to_the_catch_all()
    {
        Assert.Equal(0, Router.MatchRule(Corporate)!.Index);
        Assert.Equal(0, Router.MatchRule(CorporateV6)!.Index);
        Assert.Equal(1, Router.MatchRule(Outside)!.Index);
        Assert.Equal(1, Router.MatchRule(new ClientFacts(IPAddress.Parse("11.0.0.1"), null, null))!.Index);
        Assert.Equal(RuleAction.Proxy, Settings.Rules[0].Action);
        Assert.Equal(RuleAction.Redirect, Settings.Rules[1].Action);
        Assert.False(Settings.Rules[0].IsCatchAll);
        Assert.Equal("Match Networks=10.0.0.0/8,2001:db8::/32", Settings.Rules[0].MatchInWords);
    }

    /// <summary>Columns: the ejected upstreams, the path, the sources expected in order (url, label).</summary>
    public static TheoryData<string, string, string[]> NonContentCases => new()
    {
        { "", "/v2/a/manifests/v1", ["https://main.example/v2/project/a/manifests/v1 upstream:default project/a", "https://second.example/v2/a/manifests/v1 upstream:second a"] },
        { "default", "/v2/a/tags/list?n=2", ["https://second.example/v2/a/tags/list?n=2 upstream:second a", "https://main.example/v2/project/a/tags/list?n=2 upstream:default project/a"] },
        { "", "/v2/a/referrers/" + Digests.Pause, ["https://main.example/v2/project/a/referrers/" + Digests.Pause + " upstream:default project/a", "https://second.example/v2/a/referrers/" + Digests.Pause + " upstream:second a"] },
        // Signatures live at the signature endpoint alone.
        { "", "/v2/a/manifests/sha256-" + Digests.PauseHex + ".sig", ["https://sig.example/v2/project/a/manifests/sha256-" + Digests.PauseHex + ".sig signature-upstream:default project/a"] },
    };

    [Theory]
    [MemberData(nameof(NonContentCases))]
    public void Requests_of_a_proxying_rule_are_proxied_from_the_upstreams_healthy_first(string ejected, string path, string[] expected)
    {
        var proxy = Assert.IsType<Proxy>(Router.Decide(Request(path, Corporate, ejected)));

        Assert.Equal(expected, proxy.Sources.Select(s => $"{s.Url} {s.Label} {s.Repository}"));
        Assert.Equal(proxy.Via.Location, proxy.Sources[0].Url);
        Assert.All(proxy.Sources, s => Assert.Null(s.Candidate));
    }

    [Fact]
    public void The_same_requests_of_a_client_outside_are_redirected()
    {
        Assert.IsType<Redirect>(Router.Decide(Request("/v2/a/manifests/v1", Outside, "")));
        Assert.IsType<ApiVersion>(Router.Decide(Request("/v2/", Corporate, "")));
    }

    [Theory]
    [InlineData("/v2/a/blobs/", "https://s3.example/containers/images/")]
    [InlineData("/v2/a/manifests/", "https://s3.example/containers/manifests/")]
    public void Content_a_mirror_holds_is_proxied_from_it_then_from_the_upstreams(string path, string mirrorPrefix)
    {
        var request = Request(path + Digests.Pause, Corporate, "");
        var plan = Assert.IsType<BlobPlan>(Router.Decide(request));

        var fromMirror = Assert.IsType<Proxy>(plan.AnswerFor(plan.Candidates[0], request.Target, request.Upstreams));
        var fromNone = Assert.IsType<Proxy>(plan.AnswerFor(null, request.Target, request.Upstreams));

        Assert.Equal(
            [$"{mirrorPrefix}{Digests.Pause} mirror:s3", $"https://main.example/v2/project{path[3..]}{Digests.Pause} upstream:default", $"https://second.example/v2{path[3..]}{Digests.Pause} upstream:second"],
            fromMirror.Sources.Select(s => $"{s.Url} {s.Label}"));
        Assert.Same(plan.Candidates[0], fromMirror.Sources[0].Candidate);
        Assert.Equal("", fromMirror.Sources[0].Repository);
        Assert.Equal(["upstream:default", "upstream:second"], fromNone.Sources.Select(s => s.Label));
    }

    [Fact]
    public void An_upstream_found_holding_content_is_the_first_source_and_not_repeated()
    {
        var request = Request("/v2/a/blobs/" + Digests.Pause, Corporate, "");
        var plan = Assert.IsType<BlobPlan>(Router.Decide(request));
        var upstream = Assert.IsType<UpstreamCandidate>(plan.Candidates[1]);

        var proxy = Assert.IsType<Proxy>(plan.AnswerFor(upstream, request.Target, request.Upstreams));

        Assert.Equal(["upstream:default", "upstream:second"], proxy.Sources.Select(s => s.Label));
        Assert.Same(upstream, proxy.Sources[0].Candidate);
    }

    [Fact]
    public void Ejected_upstreams_come_last_and_all_ejected_keeps_the_list_s_order()
    {
        var allEjected = Assert.IsType<Proxy>(Router.Decide(Request("/v2/a/manifests/v1", Corporate, "default,second")));

        Assert.Equal(["upstream:default", "upstream:second"], allEjected.Sources.Select(s => s.Label));
    }

    private static RequestFacts Request(string path, ClientFacts client, string ejected)
        => new("GET", RequestTargetParser.Parse(path), client, Upstreams: ejected.Split(',', StringSplitOptions.RemoveEmptyEntries).Aggregate(
            UpstreamHealthView.AllHealthy,
            (view, name) => view.With(Settings.AllUpstreams.Single(u => u.Name == name), ejected: true)));
}
