using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.Tests.Support;

namespace Archeio.Tests.Routing;

public sealed class RouterTests
{
    private static readonly MirrorSettings Paris = new("paris", "https://paris.example/containers/images/{digest}");
    private static readonly MirrorSettings Frankfurt = new("frankfurt", "https://frankfurt.example/blobs/{digest}?x=1");
    private static readonly MirrorSettings Cdn = new("cdn", "https://cdn.example/{digest}");

    private static readonly ArcheioSettings Settings = TestSettings.Create(
        mirrors: [Paris, Frankfurt, Cdn],
        rules:
        [
            new RuleSettings("GCP", [], []),
            new RuleSettings("AWS", ["eu-west-3"], [Paris, Frankfurt]),
            new RuleSettings("AWS", ["eu-central-1", "eu-central-2"], [Frankfurt]),
            new RuleSettings(null, [], [Cdn]),
        ]);

    private readonly Router _router = new(Settings);

    /// <summary>Columns: cloud, region (null: client in no cloud), expected mirrors in order.</summary>
    public static TheoryData<string?, string?, string[]> RuleCases => new()
    {
        { "GCP", "europe-west1", [] },
        { "AWS", "eu-west-3", ["paris", "frankfurt"] },
        { "aws", "EU-WEST-3", ["paris", "frankfurt"] },
        { "AWS", "eu-central-2", ["frankfurt"] },
        { "AWS", "us-east-1", ["cdn"] },
        { "AWS", "", ["cdn"] },
        { "Azure", "westeurope", ["cdn"] },
        { null, null, ["cdn"] },
    };

    [Theory]
    [MemberData(nameof(RuleCases))]
    public void The_first_fitting_rule_names_the_mirrors_to_check(string? cloud, string? region, string[] expected)
    {
        var decision = _router.Decide(Blob(), Client(cloud, region), MirrorState.Unchecked);

        if (expected.Length == 0)
        {
            Assert.Equal(DecisionKind.Redirect, decision.Kind);
            Assert.Equal(RouteTarget.Upstream, decision.Target);
        }
        else
        {
            Assert.Equal(DecisionKind.CheckMirrors, decision.Kind);
            Assert.Equal(expected, decision.Candidates.Select(m => m.Name));
        }
    }

    [Fact]
    public void A_checked_holder_gets_the_redirect_without_the_query()
    {
        var decision = _router.Decide(Blob("?ignored=1"), Client("AWS", "eu-west-3"), MirrorState.HeldBy(Frankfurt));

        Assert.Equal(DecisionKind.Redirect, decision.Kind);
        Assert.Equal(RouteTarget.Mirror, decision.Target);
        Assert.Same(Frankfurt, decision.Mirror);
        Assert.Equal("https://frankfurt.example/blobs/" + Digests.Pause + "?x=1", decision.Location);
        Assert.Equal("frankfurt.example", decision.TargetHost);
    }

    [Fact]
    public void No_holder_falls_back_to_the_upstream_with_the_query()
    {
        var decision = _router.Decide(Blob("?a=b"), Client("AWS", "eu-west-3"), MirrorState.HeldBy(null));

        Assert.Equal("https://registry.example/v2/project/images/pause/blobs/" + Digests.Pause + "?a=b", decision.Location);
        Assert.Equal(RouteTarget.Upstream, decision.Target);
    }

    [Fact]
    public void Signature_tags_use_the_signature_path()
    {
        var request = new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/manifests/sha256-" + Digests.PauseHex + ".sig"));

        var decision = _router.Decide(request, default, MirrorState.Unchecked);

        Assert.Equal(RouteTarget.SignatureUpstream, decision.Target);
        Assert.Equal("https://sig.example/v2/signatures/a/b/manifests/sha256-" + Digests.PauseHex + ".sig", decision.Location);
    }

    [Fact]
    public void Blob_requests_without_a_client_address_are_bad_requests_and_others_are_not()
    {
        var noClient = new ClientFacts(null, "no peer", null);

        Assert.Equal(DecisionKind.BadRequest, _router.Decide(Blob(), noClient, MirrorState.Unchecked).Kind);
        var manifest = new RequestFacts("HEAD", RequestTargetParser.Parse("/v2/pause/manifests/latest"));
        Assert.Equal(DecisionKind.Redirect, _router.Decide(manifest, noClient, MirrorState.Unchecked).Kind);
    }

    [Fact]
    public void Decisions_are_a_function_of_their_inputs()
    {
        var first = _router.Decide(Blob(), Client("AWS", "eu-west-3"), MirrorState.Unchecked);
        var second = _router.Decide(Blob(), Client("AWS", "eu-west-3"), MirrorState.Unchecked);

        Assert.Equal(first.Kind, second.Kind);
        Assert.Equal(first.Candidates, second.Candidates);
    }

    private static RequestFacts Blob(string query = "")
        => new("GET", RequestTargetParser.Parse("/v2/pause/blobs/" + Digests.Pause + query));

    private static ClientFacts Client(string? cloud, string? region)
        => new(IPAddress.Loopback, null, cloud is null ? null : new CloudLocation(cloud, region ?? string.Empty));
}
