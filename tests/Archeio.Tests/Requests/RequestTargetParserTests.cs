using Archeio.Requests;
using Archeio.TestBed;

namespace Archeio.Tests.Requests;

public sealed class RequestTargetParserTests
{
    /// <summary>Columns: raw target, kind, name, reference, query.</summary>
    public static TheoryData<string, string, string, string, string> Valid => new()
    {
        { "/", nameof(RequestKind.Root), "", "", "" },
        { "/?x=1", nameof(RequestKind.Root), "", "", "?x=1" },
        { "/privacy", nameof(RequestKind.Privacy), "", "", "" },
        { "/v2", nameof(RequestKind.ApiBase), "", "", "" },
        { "/v2/", nameof(RequestKind.ApiBase), "", "", "" },
        { "/v2/_catalog", nameof(RequestKind.Catalog), "", "", "" },
        { "/v2/_catalog?n=1", nameof(RequestKind.Catalog), "", "", "?n=1" },
        { "/v3/", nameof(RequestKind.OutsideApi), "", "", "" },
        { "/v2x", nameof(RequestKind.OutsideApi), "", "", "" },
        { "", nameof(RequestKind.OutsideApi), "", "", "" },
        { "*", nameof(RequestKind.OutsideApi), "", "", "" },
        { "/v2/pause/manifests/latest", nameof(RequestKind.Manifest), "pause", "latest", "" },
        { "/v2/pause/manifests/" + Digests.Pause, nameof(RequestKind.Manifest), "pause", Digests.Pause, "" },
        { "/v2/a/b/c/tags/list?n=1&last=x", nameof(RequestKind.TagsList), "a/b/c", "", "?n=1&last=x" },
        { "/v2/pause/blobs/" + Digests.Sha512, nameof(RequestKind.Blob), "pause", Digests.Sha512, "" },
        { "/v2/pause/blobs/blake3:abcDEF0123_-=", nameof(RequestKind.Blob), "pause", "blake3:abcDEF0123_-=", "" },
        { "/v2/pause/blobs/sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", nameof(RequestKind.Blob), "pause", "sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564", "" },
        { "/v2/pause/referrers/" + Digests.Pause + "?artifactType=a%2Fb", nameof(RequestKind.Referrers), "pause", Digests.Pause, "?artifactType=a%2Fb" },
        { "/v2/tags/tags/list", nameof(RequestKind.TagsList), "tags", "", "" },
        { "/v2/x/manifests/list", nameof(RequestKind.Manifest), "x", "list", "" },
        { "HTTP://host:8080/v2/pause/manifests/latest?q", nameof(RequestKind.Manifest), "pause", "latest", "?q" },
        { "http://host", nameof(RequestKind.Root), "", "", "" },
        { "/v2/pause/manifests/lat%65st", nameof(RequestKind.Manifest), "pause", "latest", "" },
        { "/v2/pause/manifests/latest?", nameof(RequestKind.Manifest), "pause", "latest", "?" },
        { "/v2/pause/manifests/latest?a=%2F..%2F&b=/../", nameof(RequestKind.Manifest), "pause", "latest", "?a=%2F..%2F&b=/../" },
        { "/v2/pause/manifests/latest?q=caf\u00e9 x", nameof(RequestKind.Manifest), "pause", "latest", "?q=caf%C3%A9%20x" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses(string target, string kind, string name, string reference, string query)
    {
        var parsed = RequestTargetParser.Parse(target);

        Assert.Equal(kind, parsed.Kind.ToString());
        Assert.Equal(name, parsed.Name);
        Assert.Equal(reference, parsed.Reference);
        Assert.Equal(query, parsed.Query);
        Assert.Null(parsed.Error);
    }

    [Theory]
    [InlineData("/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sig", true)]
    [InlineData("/v2/pause/manifests/sha256-" + Digests.PauseHex + ".att", true)]
    [InlineData("/v2/pause/manifests/sha256-" + Digests.PauseHex + ".sbom", false)]
    [InlineData("/v2/pause/manifests/sha512-" + Digests.PauseHex + ".sig", false)]
    [InlineData("/v2/pause/manifests/sha256-" + Digests.PauseHex + "0.sig", false)]
    [InlineData("/v2/pause/blobs/" + Digests.Pause, false)]
    public void Recognises_cosign_tags(string target, bool cosign)
        => Assert.Equal(cosign, RequestTargetParser.Parse(target).IsCosignTag);

    [Theory]
    [InlineData("/v2/pause/manifests/latest", "manifests/latest")]
    [InlineData("/v2/pause/tags/list?n=1", "tags/list")]
    [InlineData("/v2/pause/blobs/" + Digests.Pause, "blobs/" + Digests.Pause)]
    [InlineData("/v2/pause/referrers/" + Digests.Pause, "referrers/" + Digests.Pause)]
    public void Rest_is_the_canonical_endpoint_path(string target, string rest)
        => Assert.Equal(rest, RequestTargetParser.Parse(target).Rest);

    [Theory]
    [InlineData("/v2/a/../b/manifests/x", nameof(OciErrorCode.NameInvalid))]
    [InlineData("/v2/a/%2E%2E/b/manifests/x", nameof(OciErrorCode.NameInvalid))]
    [InlineData("/v2/a%2fb/manifests/x", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/a/manifests/x%", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/a/manifests/x%4", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/a/manifests/x%C3%A9", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/a/blobs/sha256:xyz", nameof(OciErrorCode.DigestInvalid))]
    [InlineData("/v2/a/blobs/SHA256:" + Digests.PauseHex, nameof(OciErrorCode.DigestInvalid))]
    [InlineData("/v2/a/manifests/-tag", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/a", nameof(OciErrorCode.NotFound))]
    [InlineData("/v2/manifests/latest", nameof(OciErrorCode.NameInvalid))]
    public void Rejects(string target, string code)
    {
        var parsed = RequestTargetParser.Parse(target);

        Assert.Equal(RequestKind.Invalid, parsed.Kind);
        Assert.Equal(code, parsed.Error.ToString());
    }
}
