using System.Net;
using Archeio.Configuration;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Routing;

/// <summary><c>upstream</c> and <c>signature-upstream</c> in a rule's list: upstreams checked like mirrors.</summary>
public sealed class UpstreamCandidateTests
{
    private static readonly ArcheioSettings Settings = ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Archeio:InfoUrl"] = "https://info.example/",
        ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
        ["Archeio:Upstream:Endpoint"] = "https://registry.example",
        ["Archeio:Upstream:Path"] = "images",
        ["Archeio:Upstream:SignatureEndpoint"] = "https://sig.example",
        ["Archeio:Mirrors:0:Name"] = "cdn",
        ["Archeio:Mirrors:0:BlobUrl"] = "https://cdn.example/{digest}",
        ["Archeio:Rules:0:Mirrors:0"] = "cdn",
        ["Archeio:Rules:0:Mirrors:1"] = "signature-upstream",
        ["Archeio:Rules:0:Mirrors:2"] = "upstream",
    }).Build());

    private static readonly RequestFacts Blob = new("GET", RequestTargetParser.Parse("/v2/a/b/blobs/" + Digests.Pause + "?x=1"), new ClientFacts(IPAddress.Parse("198.51.100.1"), null, null));

    [Fact]
    public void They_become_candidates_after_the_real_mirrors()
    {
        Assert.Equal(["cdn", "signature-upstream", "upstream"], Settings.Candidates.Select(m => m.Name));
        Assert.Equal([0, 1, 2], Settings.Candidates.Select(m => m.Index));
        Assert.Equal(["cdn", "signature-upstream", "upstream"], Settings.Rules[0].Candidates.Select(m => m.Name));
        Assert.Equal("https://sig.example/v2/images/a/b/blobs/" + Digests.Pause, Settings.Candidates[1].CheckUrl("a/b", Digests.Pause));
        Assert.True(Settings.Candidates[2].IsRepositoryScoped);
        Assert.False(Settings.Candidates[0].IsRepositoryScoped);
        Assert.IsType<MirrorSettings>(Settings.Candidates[0]);
        Assert.IsType<SignatureUpstreamCandidate>(Settings.Candidates[1]);
        Assert.IsType<UpstreamCandidate>(Settings.Candidates[2]);
        Assert.Equal(["cdn"], Settings.Mirrors.Select(m => m.Name));
    }

    [Fact]
    public void A_blob_found_in_the_signature_upstream_is_redirected_there_with_its_query()
    {
        var router = new Router(Settings);

        var decision = Assert.IsType<Redirect>(router.DecideHeld(Blob, Settings.Candidates[1]));

        Assert.Equal(RouteTarget.SignatureUpstream, decision.Target);
        Assert.Equal("https://sig.example/v2/images/a/b/blobs/" + Digests.Pause + "?x=1", decision.Location);
    }

    [Fact]
    public void A_blob_found_in_the_upstream_by_its_check_is_redirected_there()
    {
        var router = new Router(Settings);

        var decision = Assert.IsType<Redirect>(router.DecideHeld(Blob, Settings.Candidates[2]));

        Assert.Equal(RouteTarget.Upstream, decision.Target);
        Assert.Equal("https://registry.example/v2/images/a/b/blobs/" + Digests.Pause + "?x=1", decision.Location);
    }

    [Fact]
    public void Signature_upstream_needs_a_signature_endpoint()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Archeio:InfoUrl"] = "https://info.example/",
            ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
            ["Archeio:Upstream:Endpoint"] = "https://registry.example",
            ["Archeio:Rules:0:Mirrors:0"] = "signature-upstream",
        }).Build()));

        Assert.Equal("Archeio:Rules:0:Mirrors:0", Assert.Single(ex.Errors).Key);
    }
}
