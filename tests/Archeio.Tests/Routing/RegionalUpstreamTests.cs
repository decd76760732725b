using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Routing;

/// <summary>A rule's <c>Upstream</c>: its clients' manifests, tags, referrers and blob fallbacks go there.</summary>
public sealed class RegionalUpstreamTests
{
    private static readonly UpstreamSettings Europe = new UpstreamSettings("https://europe-docker.pkg.dev", "k8s-artifacts-prod/images", null, "k8s-artifacts-prod/images") { Name = "europe" };
    private static readonly UpstreamSettings Asia = new UpstreamSettings("https://asia-docker.pkg.dev", "p/images", "https://asia-sig.example", "sigs") { Name = "asia" };
    private static readonly MirrorSettings Paris = new("paris", "https://paris.example/{digest}", 0);

    private static readonly Router Router = new(TestSettings.Create(
        mirrors: [Paris],
        rules:
        [
            new RuleSettings("GCP", ["europe-west1"], []) { Index = 0, Upstreams = [Europe] },
            new RuleSettings("GCP", ["asia-east1"], []) { Index = 1, Upstreams = [Asia] },
            new RuleSettings(null, [], [Paris]) { Index = 2, Continents = ["EU"], Upstreams = [Europe] },
        ]) with
    { Upstreams = [Europe, Asia] });

    /// <summary>Columns: target, region (GCP; null: in no cloud, in Europe), expected Location.</summary>
    public static TheoryData<string, string?, string> Cases => new()
    {
        { "/v2/pause/manifests/3.10", "europe-west1", "https://europe-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/manifests/3.10" },
        { "/v2/pause/tags/list?n=5", "asia-east1", "https://asia-docker.pkg.dev/v2/p/images/pause/tags/list?n=5" },
        { "/v2/pause/referrers/" + Digests.Pause + "?artifactType=x", "europe-west1", "https://europe-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/referrers/" + Digests.Pause + "?artifactType=x" },
        { "/v2/pause/blobs/" + Digests.Pause, "asia-east1", "https://asia-docker.pkg.dev/v2/p/images/pause/blobs/" + Digests.Pause },
        // Signatures: the rule's upstream's signature endpoint, else Archeio:Upstream's.
        { "/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sig", "asia-east1", "https://asia-sig.example/v2/sigs/pause/manifests/sha256-" + Digests.PauseHex + ".sig" },
        { "/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sig", "europe-west1", "https://sig.example/v2/signatures/pause/manifests/sha256-" + Digests.PauseHex + ".sig" },
        // No rule fits (GCP elsewhere): Archeio:Upstream.
        { "/v2/pause/manifests/3.10", "us-central1", "https://registry.example/v2/project/images/pause/manifests/3.10" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Requests_go_to_the_upstream_of_the_rule_that_fits(string target, string? region, string expected)
    {
        var client = new ClientFacts(IPAddress.Parse("34.0.0.1"), null, region is null ? null : new CloudLocation("GCP", region));

        var decision = Assert.IsType<Redirect>(Router.Decide(new RequestFacts("GET", RequestTargetParser.Parse(target), client)));

        Assert.Equal(expected, decision.Location);
    }

    [Fact]
    public void A_blob_no_mirror_holds_falls_back_to_the_rules_upstream()
    {
        var client = new ClientFacts(IPAddress.Parse("193.0.6.139"), null, null, new GeoFacts("NL", "EU", 3333));
        var request = new RequestFacts("GET", RequestTargetParser.Parse("/v2/pause/blobs/" + Digests.Pause), client);

        Assert.IsType<BlobPlan>(Router.Decide(request));
        var decision = Assert.IsType<Redirect>(Router.DecideHeld(request, null));

        Assert.Equal("https://europe-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/blobs/" + Digests.Pause, decision.Location);
    }
}
