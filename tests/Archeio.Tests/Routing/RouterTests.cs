using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
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
        var answer = _router.Decide(Blob(Client(cloud, region)));

        if (expected.Length == 0)
        {
            var redirect = Assert.IsType<Redirect>(answer);
            Assert.Equal(RouteTarget.Upstream, redirect.Target);
        }
        else
        {
            var plan = Assert.IsType<BlobPlan>(answer);
            Assert.Equal(expected, plan.Candidates.Select(m => m.Name));
        }
    }

    [Fact]
    public void A_checked_holder_gets_the_redirect_without_the_query()
    {
        var decision = Assert.IsType<Redirect>(_router.DecideHeld(Blob(Client("AWS", "eu-west-3"), "?ignored=1"), Frankfurt));

        Assert.Equal(RouteTarget.Mirror, decision.Target);
        Assert.Same(Frankfurt, decision.Holder);
        Assert.Equal("https://frankfurt.example/blobs/" + Digests.Pause + "?x=1", decision.Location);
        Assert.Equal("frankfurt.example", decision.TargetHost);
    }

    [Fact]
    public void No_holder_falls_back_to_the_upstream_with_the_query()
    {
        var decision = Assert.IsType<Redirect>(_router.DecideHeld(Blob(Client("AWS", "eu-west-3"), "?a=b"), null));

        Assert.Equal("https://registry.example/v2/project/images/pause/blobs/" + Digests.Pause + "?a=b", decision.Location);
        Assert.Equal(RouteTarget.Upstream, decision.Target);
    }

    [Fact]
    public void Signature_tags_use_the_signature_path()
    {
        var request = new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/manifests/sha256-" + Digests.PauseHex + ".sig"), default);

        var decision = Assert.IsType<Redirect>(_router.Decide(request));

        Assert.Equal(RouteTarget.SignatureUpstream, decision.Target);
        Assert.Equal("https://sig.example/v2/signatures/a/b/manifests/sha256-" + Digests.PauseHex + ".sig", decision.Location);
    }

    [Fact]
    public void Blob_requests_without_a_client_address_are_bad_requests_and_others_are_not()
    {
        var noClient = new ClientFacts(null, "no peer", null);

        Assert.IsType<ClientAddressUnknown>(_router.Decide(Blob(noClient)));
        var manifest = new RequestFacts("HEAD", RequestTargetParser.Parse("/v2/pause/manifests/latest"), noClient);
        Assert.IsType<Redirect>(_router.Decide(manifest));
    }

    [Fact]
    public void Decisions_are_a_function_of_their_inputs()
    {
        var first = Assert.IsType<BlobPlan>(_router.Decide(Blob(Client("AWS", "eu-west-3"))));
        var second = Assert.IsType<BlobPlan>(_router.Decide(Blob(Client("AWS", "eu-west-3"))));

        Assert.Equal(first.Rule, second.Rule);
        Assert.Equal(first.Candidates, second.Candidates);
    }

    [Fact]
    public void A_mirror_laid_out_per_repository_gets_the_repository_in_its_url()
    {
        var byRepository = new MirrorSettings("by-repository", "https://mirror.example/{name}/blobs/{digest}", 3);
        var router = new Router(TestSettings.Create(mirrors: [Paris, Frankfurt, Cdn, byRepository], rules: [new RuleSettings(null, [], [byRepository])]));
        var request = new RequestFacts("GET", RequestTargetParser.Parse("/v2/a/b/blobs/" + Digests.Pause), Client(null, null));

        var decision = Assert.IsType<Redirect>(router.DecideHeld(request, byRepository));

        Assert.True(byRepository.IsRepositoryScoped);
        Assert.Equal("https://mirror.example/a/b/blobs/" + Digests.Pause, decision.Location);
        Assert.Equal("https://mirror.example/a/b/blobs/" + Digests.Pause, byRepository.CheckUrl("a/b", Digests.Pause));
    }

    [Fact]
    public void The_route_header_says_none_and_upstream_when_no_rule_fits_and_no_candidate_holds_the_blob()
    {
        var router = new Router(TestSettings.Create(mirrors: [Paris], rules: [new RuleSettings("AWS", [], [Paris])]));
        var unmatched = Assert.IsType<Redirect>(router.Decide(Blob(Client(null, null))));
        var fallback = Assert.IsType<Redirect>(router.DecideHeld(Blob(Client("AWS", "eu-west-3")), null));

        Assert.Equal("rule=none; mirror=upstream", Archeio.Hosting.RegistryHandler.RouteHeaderValue(unmatched));
        Assert.Equal("rule=0; mirror=upstream", Archeio.Hosting.RegistryHandler.RouteHeaderValue(fallback));
    }

    private static RequestFacts Blob(ClientFacts client, string query = "")
        => new("GET", RequestTargetParser.Parse("/v2/pause/blobs/" + Digests.Pause + query), client);

    private static ClientFacts Client(string? cloud, string? region)
        => new(IPAddress.Loopback, null, cloud is null ? null : new CloudLocation(cloud, region ?? string.Empty));
}
