using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Routing;

/// <summary>
/// Failover lists: everything that must come from an upstream goes to the first upstream of the list that the health
/// view does not eject; every one ejected, the first (fail static). Table-driven over the request kinds.
/// </summary>
public sealed class UpstreamFailoverTests
{
    private static readonly ArcheioSettings Settings = ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://main.example",
        ["Archeio:Upstream:SignatureEndpoint"] = "https://sig.example",
        ["Archeio:Upstreams:0:Name"] = "second",
        ["Archeio:Upstreams:0:Endpoint"] = "https://second.example",
        ["Archeio:Upstreams:0:Path"] = "mirror",
        ["Archeio:Upstreams:1:Name"] = "third",
        ["Archeio:Upstreams:1:Endpoint"] = "https://third.example",
        ["Archeio:Upstreams:1:SignatureEndpoint"] = "https://third-sig.example",
        ["Archeio:Mirrors:0:Name"] = "s3",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://s3.example/containers/images/{digest}",
        ["Archeio:Mirrors:0:ManifestUrl"] = "https://s3.example/containers/manifests/{digest}",
        ["Archeio:Rules:0:Match:Cloud"] = "AWS",
        ["Archeio:Rules:0:Mirrors:0"] = "s3",
        ["Archeio:Rules:0:Upstreams:0"] = "default",
        ["Archeio:Rules:0:Upstreams:1"] = "second",
        ["Archeio:Rules:0:Upstreams:2"] = "third",
        ["Archeio:Ranges:0:Cloud"] = "AWS",
        ["Archeio:Ranges:0:Format"] = "Aws",
        ["Archeio:Ranges:0:Source"] = "https://ranges.example/aws.json",
        // Requests no rule claims.
        ["Archeio:UpstreamFailover:0"] = "third",
        ["Archeio:UpstreamFailover:1"] = "default",
    }).Build());

    private static readonly UpstreamSettings Main = Settings.Upstream;
    private static readonly UpstreamSettings Second = Settings.Upstreams[0];
    private static readonly UpstreamSettings Third = Settings.Upstreams[1];
    private static readonly ClientFacts Aws = new(IPAddress.Parse("198.51.100.1"), null, new("AWS", "eu-west-3"));
    private static readonly ClientFacts Elsewhere = new(IPAddress.Parse("198.51.100.3"), null, null);
    private static readonly Router Router = new(Settings);

    /// <summary>Columns: the ejected upstreams (by name), the path, the expected Location (the AWS client's rule: default, second, third).</summary>
    public static TheoryData<string, string, string> RuleCases => new()
    {
        { "", "/v2/a/manifests/v1", "https://main.example/v2/a/manifests/v1" },
        { "default", "/v2/a/manifests/v1", "https://second.example/v2/mirror/a/manifests/v1" },
        { "default", "/v2/a/tags/list?n=2", "https://second.example/v2/mirror/a/tags/list?n=2" },
        { "default", "/v2/a/referrers/" + Digests.Pause, "https://second.example/v2/mirror/a/referrers/" + Digests.Pause },
        { "default,second", "/v2/a/manifests/v1", "https://third.example/v2/a/manifests/v1" },
        { "second", "/v2/a/manifests/v1", "https://main.example/v2/a/manifests/v1" },
        // Every one ejected: the first (fail static).
        { "default,second,third", "/v2/a/manifests/v1", "https://main.example/v2/a/manifests/v1" },
        // A cosign tag: the picked upstream's signature endpoint, else Archeio:Upstream's.
        { "default,second", "/v2/a/manifests/sha256-" + Digests.PauseHex + ".sig", "https://third-sig.example/v2/a/manifests/sha256-" + Digests.PauseHex + ".sig" },
        { "default", "/v2/a/manifests/sha256-" + Digests.PauseHex + ".sig", "https://sig.example/v2/a/manifests/sha256-" + Digests.PauseHex + ".sig" },
    };

    [Theory]
    [MemberData(nameof(RuleCases))]
    public void Requests_go_to_the_first_healthy_upstream_of_the_rule_s_list(string ejected, string path, string expected)
    {
        var decision = Assert.IsType<Redirect>(Router.Decide(Request(path, Aws, View(ejected))));

        Assert.Equal(expected, decision.Location);
        Assert.Equal(path.EndsWith(".sig", StringComparison.Ordinal) ? RouteTarget.SignatureUpstream : RouteTarget.Upstream, decision.Target);
    }

    [Theory]
    [InlineData("", "https://third.example/v2/a/manifests/v1")]
    [InlineData("third", "https://main.example/v2/a/manifests/v1")]
    [InlineData("third,default", "https://third.example/v2/a/manifests/v1")]
    public void Requests_no_rule_claims_use_the_failover_list(string ejected, string expected)
    {
        var decision = Assert.IsType<Redirect>(Router.Decide(Request("/v2/a/manifests/v1", Elsewhere, View(ejected))));

        Assert.Equal(expected, decision.Location);
    }

    [Theory]
    [InlineData("/v2/a/blobs/")]
    [InlineData("/v2/a/manifests/")]
    public void Content_no_candidate_holds_falls_back_to_the_first_healthy_upstream_and_a_holder_keeps_its_redirect(string path)
    {
        var request = Request(path + Digests.Pause, Aws, View("default"));

        var plan = Assert.IsType<BlobPlan>(Router.Decide(request));

        Assert.Equal(["default", "second", "third"], plan.Upstreams.Select(u => u.Name));
        Assert.Equal("https://second.example/v2/mirror" + path[3..] + Digests.Pause, plan.RedirectTo(null, request.Target, request.Upstreams).Location);
        Assert.StartsWith("https://s3.example/containers/", plan.RedirectTo(plan.Candidates[0], request.Target, request.Upstreams).Location, StringComparison.Ordinal);
        // Before any probe (no view): the first.
        Assert.Equal("https://main.example/v2" + path[3..] + Digests.Pause, plan.RedirectTo(null, request.Target).Location);
    }

    [Fact]
    public void A_blob_of_a_client_no_rule_claims_goes_to_the_first_healthy_of_the_failover_list()
    {
        var decision = Assert.IsType<Redirect>(Router.Decide(Request("/v2/a/blobs/" + Digests.Pause, Elsewhere, View("third"))));

        Assert.Equal("https://main.example/v2/a/blobs/" + Digests.Pause, decision.Location);
    }

    [Fact]
    public void A_recovered_upstream_is_first_again()
    {
        var ejected = View("default");
        var recovered = ejected.With(Main, ejected: false);

        Assert.StartsWith("https://second.example/", Assert.IsType<Redirect>(Router.Decide(Request("/v2/a/manifests/v1", Aws, ejected))).Location, StringComparison.Ordinal);
        Assert.StartsWith("https://main.example/", Assert.IsType<Redirect>(Router.Decide(Request("/v2/a/manifests/v1", Aws, recovered))).Location, StringComparison.Ordinal);
        Assert.False(recovered.IsEjected(Main));
        Assert.True(ejected.IsEjected(Main));
    }

    [Fact]
    public void Pick_is_fail_static_and_an_unknown_index_is_healthy()
    {
        ImmutableArray<UpstreamSettings> list = [Main, Second, Third];

        Assert.Same(Main, Router.Pick(list, null));
        Assert.Same(Main, Router.Pick(list, UpstreamHealthView.AllHealthy));
        Assert.Same(Main, Router.Pick(list, View("default,second,third")));
        Assert.Same(Third, Router.Pick(list, View("default,second")));
        Assert.False(View("default").IsEjected(Third with { Index = 99 }));
    }

    private static UpstreamHealthView View(string ejected)
        => ejected.Split(',', StringSplitOptions.RemoveEmptyEntries).Aggregate(
            UpstreamHealthView.AllHealthy,
            (view, name) => view.With(Settings.AllUpstreams.Single(u => u.Name == name), ejected: true));

    private static RequestFacts Request(string path, ClientFacts client, UpstreamHealthView view)
        => new("GET", RequestTargetParser.Parse(path), client, Upstreams: view);
}
