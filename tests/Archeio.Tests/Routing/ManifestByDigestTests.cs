using System.Net;
using Archeio.Configuration;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Routing;

/// <summary>
/// Manifests by digest are routed like blobs: the rule's candidates that hold manifests (mirrors with a
/// <c>ManifestUrl</c>, upstreams), in the rule's order; by tag, a manifest never goes to a mirror.
/// </summary>
public sealed class ManifestByDigestTests
{
    private static readonly ArcheioSettings Settings = ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example",
        ["Archeio:Upstream:Path"] = "images",
        ["Archeio:Upstream:SignatureEndpoint"] = "https://sig.example",
        ["Archeio:Mirrors:0:Name"] = "blobs-only",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://blobs.example/containers/images/{digest}",
        ["Archeio:Mirrors:1:Name"] = "s3",
        ["Archeio:Mirrors:1:BlobUrl"] = "https://s3.example/containers/images/{digest}",
        ["Archeio:Mirrors:1:ManifestUrl"] = "https://s3.example/containers/manifests/{digest}",
        ["Archeio:Rules:0:Match:Cloud"] = "AWS",
        ["Archeio:Rules:0:Mirrors:0"] = "blobs-only",
        ["Archeio:Rules:0:Mirrors:1"] = "s3",
        ["Archeio:Rules:0:Mirrors:2"] = "signature-upstream",
        ["Archeio:Rules:1:Match:Cloud"] = "GCP",
        ["Archeio:Rules:1:Mirrors:0"] = "blobs-only",
        ["Archeio:Rules:2:Mirrors:0"] = "s3",
        ["Archeio:Rules:2:Split:0:Mirror"] = "blobs-only",
        ["Archeio:Rules:2:Split:0:Percent"] = "100",
        ["Archeio:Ranges:0:Cloud"] = "AWS",
        ["Archeio:Ranges:0:Format"] = "Aws",
        ["Archeio:Ranges:0:Source"] = "https://ranges.example/aws.json",
        ["Archeio:Ranges:1:Cloud"] = "GCP",
        ["Archeio:Ranges:1:Format"] = "Gcp",
        ["Archeio:Ranges:1:Source"] = "https://ranges.example/gcp.json",
    }).Build());

    private static readonly ClientFacts Aws = new(IPAddress.Parse("198.51.100.1"), null, new("AWS", "eu-west-3"));
    private static readonly ClientFacts Gcp = new(IPAddress.Parse("198.51.100.2"), null, new("GCP", "europe-west1"));
    private static readonly ClientFacts Elsewhere = new(IPAddress.Parse("198.51.100.3"), null, null);

    private readonly Router _router = new(Settings);

    [Fact]
    public void Only_candidates_that_hold_manifests_are_asked_in_the_rule_s_order_with_their_manifest_urls()
    {
        var plan = Assert.IsType<BlobPlan>(_router.Decide(Manifest(Aws, Digests.Pause)));

        Assert.Equal(["s3", "signature-upstream"], plan.Candidates.Select(c => c.Name));
        Assert.All(plan.Candidates, c => Assert.IsType<ManifestView>(c));
        Assert.Equal("https://s3.example/containers/manifests/" + Digests.Pause, plan.Candidates[0].CheckUrl("a/b", Digests.Pause));
        Assert.Equal("https://sig.example/v2/images/a/b/manifests/" + Digests.Pause, plan.Candidates[1].CheckUrl("a/b", Digests.Pause));
        // The view shares its store's index (breaker, rotation, metrics) and has a slot of its own (answers, inventory).
        Assert.Equal(Settings.Candidates[1].Index, plan.Candidates[0].Index);
        Assert.NotEqual(Settings.Candidates[1].Slot, plan.Candidates[0].Slot);
        Assert.True(plan.Candidates.All(c => c.Slot >= Settings.Candidates.Length));
    }

    [Fact]
    public void The_holder_gets_the_redirect_to_its_manifest_url_and_none_falls_back_to_the_upstream_with_the_query()
    {
        var request = Manifest(Aws, Digests.Pause, "?ns=example.org");
        var plan = Assert.IsType<BlobPlan>(_router.Decide(request));

        var fromMirror = plan.RedirectTo(plan.Candidates[0], request.Target);
        var fromSignatures = plan.RedirectTo(plan.Candidates[1], request.Target);
        var fallback = plan.RedirectTo(null, request.Target);

        Assert.Equal(("https://s3.example/containers/manifests/" + Digests.Pause, RouteTarget.Mirror, "s3"), (fromMirror.Location, fromMirror.Target, fromMirror.Holder?.Name));
        Assert.Equal(("https://sig.example/v2/images/a/b/manifests/" + Digests.Pause + "?ns=example.org", RouteTarget.SignatureUpstream), (fromSignatures.Location, fromSignatures.Target));
        Assert.Equal(("https://registry.example/v2/images/a/b/manifests/" + Digests.Pause + "?ns=example.org", RouteTarget.Upstream), (fallback.Location, fallback.Target));
    }

    [Fact]
    public void A_rule_with_no_candidate_holding_manifests_sends_them_to_the_upstream_at_once()
    {
        var redirect = Assert.IsType<Redirect>(_router.Decide(Manifest(Gcp, Digests.Pause)));

        Assert.Equal(("https://registry.example/v2/images/a/b/manifests/" + Digests.Pause, RouteTarget.Upstream), (redirect.Location, redirect.Target));
    }

    [Theory]
    [InlineData("latest")]
    [InlineData("v1.2.3")]
    [InlineData("sha256-" + Digests.PauseHex + ".sig")]
    public void A_manifest_by_tag_never_goes_to_a_mirror(string tag)
    {
        foreach (var client in new[] { Aws, Gcp, Elsewhere })
        {
            var redirect = Assert.IsType<Redirect>(_router.Decide(new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/manifests/" + tag), client)));
            Assert.NotEqual(RouteTarget.Mirror, redirect.Target);
            Assert.Null(redirect.Holder);
        }
    }

    [Fact]
    public void A_split_s_first_choice_without_manifests_leaves_the_rule_s_own_manifest_candidates()
    {
        // Everyone's share tries blobs-only first for blobs; it holds no manifests, so manifests go to s3.
        var blobPlan = Assert.IsType<BlobPlan>(_router.Decide(new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/blobs/" + Digests.Pause), Elsewhere)));
        var manifestPlan = Assert.IsType<BlobPlan>(_router.Decide(Manifest(Elsewhere, Digests.Pause)));

        Assert.Equal(["blobs-only", "s3"], blobPlan.Candidates.Select(c => c.Name));
        Assert.Equal(["s3"], manifestPlan.Candidates.Select(c => c.Name));
    }

    [Fact]
    public void Blob_plans_are_unchanged_by_manifest_urls()
    {
        var plan = Assert.IsType<BlobPlan>(_router.Decide(new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/blobs/" + Digests.Pause), Aws)));

        Assert.Equal(["blobs-only", "s3", "signature-upstream"], plan.Candidates.Select(c => c.Name));
        Assert.DoesNotContain(plan.Candidates, c => c is ManifestView);
        Assert.Equal("https://s3.example/containers/images/" + Digests.Pause, plan.RedirectTo(plan.Candidates[1], new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/blobs/" + Digests.Pause), Aws).Target).Location);
    }

    private static RequestFacts Manifest(ClientFacts client, string digest, string query = "")
        => new("GET", RequestTargetParser.Parse("/v2/a/b/manifests/" + digest + query), client);
}
