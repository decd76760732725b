using System.Net;
using System.Text.Json;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Hosting;

/// <summary>
/// The behaviour of docs/request-handling.md over the HTTP surface, row by row: the original service's
/// own cases first, then the cases where the original is wrong, then input validation.
/// </summary>
public sealed class RequestHandlingTests(RequestHandlingFixture fixture) : IClassFixture<RequestHandlingFixture>
{
    private const string Upstream = "https://us-central1-docker.pkg.dev/v2/k8s-artifacts-prod/images/";
    private const string EuWest3 = "https://prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com/containers/images/";
    private const string EuCentral1 = "https://prod-registry-k8s-io-eu-central-1.s3.dualstack.eu-central-1.amazonaws.com/containers/images/";
    private const string DefaultCdn = "https://d1be1w964nk82h.cloudfront.net/containers/images/";
    private const string Sig = RequestHandlingFixture.SignatureUpstream + "/v2/k8s-artifacts-prod/images/";
    private const string SigTag = "sha256-" + Digests.PauseHex + ".sig";
    private const string AttTag = "sha256-" + Digests.PauseHex + ".att";
    private const string AwsEuWest3 = "35.180.1.1";
    private const string Gcp = "35.220.26.1";
    private const string NoCloud = "192.168.0.1";

    /// <summary>Columns: signature upstream configured, method, raw target, peer, X-Forwarded-For, status, Location.</summary>
    public static TheoryData<bool, string, string, string?, string?, int, string?> Redirects => new()
    {
        // The original's cases.
        { false, "GET", "/", NoCloud, null, 307, "https://github.com/kubernetes/registry.k8s.io" },
        { false, "GET", "/privacy", NoCloud, null, 307, "https://www.linuxfoundation.org/privacy-policy/" },
        { false, "GET", "/v3/", NoCloud, null, 404, null },
        { false, "GET", "/v2/", NoCloud, null, 200, null },
        { false, "GET", "/v2", NoCloud, null, 200, null },
        { false, "HEAD", "/v2", NoCloud, null, 200, null },
        { false, "HEAD", "/v2/", NoCloud, null, 200, null },
        { false, "POST", "/v2/", NoCloud, null, 405, null },
        { false, "GET", "/v2/_catalog", AwsEuWest3, null, 404, null },
        { false, "GET", "/v2/pause/manifests/latest", NoCloud, null, 307, Upstream + "pause/manifests/latest" },
        { false, "GET", "/v2/pause/tags/list?n=0", NoCloud, null, 307, Upstream + "pause/tags/list?n=0" },
        { false, "GET", "/v2/pause/tags/list?n=1000&after=v1.2.3", NoCloud, null, 307, Upstream + "pause/tags/list?n=1000&after=v1.2.3" },
        { false, "GET", "/v2/pause/tags/list", NoCloud, null, 307, Upstream + "pause/tags/list" },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, AwsEuWest3, null, 307, EuWest3 + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Missing, AwsEuWest3, null, 307, Upstream + "pause/blobs/" + Digests.Missing },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, Gcp, null, 307, Upstream + "pause/blobs/" + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, NoCloud, null, 307, DefaultCdn + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Sha512, NoCloud, null, 307, Upstream + "pause/blobs/" + Digests.Sha512 },
        { false, "GET", "/v2/pause/manifests/" + SigTag, NoCloud, null, 307, Upstream + "pause/manifests/" + SigTag },
        { true, "GET", "/v2/pause/manifests/" + SigTag, NoCloud, null, 307, Sig + "pause/manifests/" + SigTag },
        { true, "GET", "/v2/pause/manifests/" + AttTag, NoCloud, null, 307, Sig + "pause/manifests/" + AttTag },
        { true, "HEAD", "/v2/pause/manifests/" + SigTag, NoCloud, null, 307, Sig + "pause/manifests/" + SigTag },
        { true, "GET", "/v2/kubernetes/pause/manifests/" + SigTag, NoCloud, null, 307, Sig + "kubernetes/pause/manifests/" + SigTag },
        { true, "GET", "/v2/pause/tags/list", NoCloud, null, 307, Upstream + "pause/tags/list" },
        { true, "GET", "/v2/pause/manifests/latest", NoCloud, null, 307, Upstream + "pause/manifests/latest" },

        // Defect 1: longest-prefix match. 35.55.17.0/24 (eu-central-1) lies inside 35.55.0.0/17 (GLOBAL).
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "35.55.17.1", null, 307, EuCentral1 + Digests.Pause },
        // Defect 2: the query string is kept byte for byte.
        { false, "GET", "/v2/pause/tags/list?n=10&last=v1.2.3", NoCloud, null, 307, Upstream + "pause/tags/list?n=10&last=v1.2.3" },
        { false, "GET", "/v2/pause/referrers/" + Digests.Pause + "?artifactType=application%2Fvnd.dev.cosign", NoCloud, null, 307, Upstream + "pause/referrers/" + Digests.Pause + "?artifactType=application%2Fvnd.dev.cosign" },
        { false, "GET", "/v2/pause/manifests/latest?ns=docker.io", NoCloud, null, 307, Upstream + "pause/manifests/latest?ns=docker.io" },
        { false, "HEAD", "/v2/pause/manifests/3.9?a=1&a=2&&b", NoCloud, null, 307, Upstream + "pause/manifests/3.9?a=1&a=2&&b" },
        // Defect 4: IPv4-mapped IPv6 peers and X-Forwarded-For entries are their IPv4 address.
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "::ffff:" + AwsEuWest3, null, 307, EuWest3 + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "127.0.0.1", "::ffff:35.180.1.1, 130.211.0.1", 307, EuWest3 + Digests.Pause },

        // X-Forwarded-For, Google load balancer convention (ForwardedForSkip = 1).
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "127.0.0.1", "35.180.1.1,130.211.0.1", 307, EuWest3 + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "127.0.0.1", "35.220.26.1, 35.180.1.1, 130.211.0.1", 307, EuWest3 + Digests.Pause },
        { false, "GET", "/v2/pause/blobs/" + Digests.Pause, "127.0.0.1", "not an ip, 35.180.1.1, 130.211.0.1", 307, EuWest3 + Digests.Pause },
        // Non-blob requests do not need the client, so a bad header does not matter to them.
        { false, "GET", "/v2/pause/manifests/latest", "127.0.0.1", "garbage", 307, Upstream + "pause/manifests/latest" },

        // Absolute-form request target.
        { false, "GET", "http://registry.k8s.io/v2/pause/manifests/latest", NoCloud, null, 307, Upstream + "pause/manifests/latest" },
        // Names with every separator of the grammar.
        { false, "GET", "/v2/a.b_c__d--e/f-g/manifests/v1.0_rc-1", NoCloud, null, 307, Upstream + "a.b_c__d--e/f-g/manifests/v1.0_rc-1" },
        // Percent-encoded characters that are allowed decode to the canonical path.
        { false, "GET", "/v2/pause/blobs/sha256%3A" + Digests.PauseHex, AwsEuWest3, null, 307, EuWest3 + Digests.Pause },
        // A repository named like an endpoint.
        { false, "GET", "/v2/blobs/manifests/manifests/latest", NoCloud, null, 307, Upstream + "blobs/manifests/manifests/latest" },
    };

    [Theory]
    [MemberData(nameof(Redirects))]
    public async Task Answers_as_documented(bool signatures, string method, string target, string? peer, string? forwardedFor, int status, string? location)
    {
        var context = await SendAsync(signatures, method, target, peer, forwardedFor);

        Assert.Equal(status, context.Response.StatusCode);
        Assert.Equal(location, context.Response.Headers.Location.SingleOrDefault());
        if (status == 307)
        {
            Assert.Equal("private, no-store", context.Response.Headers.CacheControl.ToString());
        }
    }

    /// <summary>Columns: raw target, OCI error code. Every invalid API path: 404 with an OCI error body, never a redirect.</summary>
    public static TheoryData<string, string> InvalidPaths => new()
    {
        // Defect 3: dot segments are rejected, not cleaned (they would reach another repository).
        { "/v2/pause/../etcd/manifests/latest", "NAME_INVALID" },
        { "/v2/../v2/etcd/manifests/latest", "NAME_INVALID" },
        { "/v2/pause/%2e%2e/etcd/manifests/latest", "NAME_INVALID" },
        { "/v2/pause/./manifests/latest", "NAME_INVALID" },
        { "/v2/pause/manifests/..", "NOT_FOUND" },
        // Empty segments and encoded slashes.
        { "/v2//pause/manifests/latest", "NAME_INVALID" },
        { "/v2/pause//manifests/latest", "NAME_INVALID" },
        { "/v2/pause%2Fetcd/manifests/latest", "NOT_FOUND" },
        { "/v2/pause%2fetcd/manifests/latest", "NOT_FOUND" },
        { "/v2/pause/manifests/", "NOT_FOUND" },
        { "/v2/pause/blobs/", "DIGEST_INVALID" },
        { "/v2/pause/tags/list/", "NOT_FOUND" },
        { "/v2/pause/", "NOT_FOUND" },
        { "/v2/pause", "NOT_FOUND" },
        { "/v2/pause/blobs/uploads/", "NOT_FOUND" },
        { "/v2/pause/blobs/uploads/2b4d1e58-9a0f-4f0a", "NOT_FOUND" },
        { "/v2/pause/unknown/latest", "NOT_FOUND" },
        { "/v2/pause/manifests/latest%", "NOT_FOUND" },
        { "/v2/pause/manifests/latest%zz", "NOT_FOUND" },
        { "/v2/pause/manifests/latest%00", "NOT_FOUND" },
        // Names outside the grammar.
        { "/v2/Pause/manifests/latest", "NAME_INVALID" },
        { "/v2/-pause/manifests/latest", "NAME_INVALID" },
        { "/v2/pause./manifests/latest", "NAME_INVALID" },
        { "/v2/pa___use/manifests/latest", "NAME_INVALID" },
        { "/v2/pa\\use/manifests/latest", "NAME_INVALID" },
        { "/v2/pa%20use/manifests/latest", "NAME_INVALID" },
        { "/v2/" + new string('a', 256) + "/manifests/latest", "NAME_INVALID" },
        { "/v2/_catalog/manifests/latest", "NAME_INVALID" },
        // Digests outside the grammar or with the wrong length for their algorithm.
        { "/v2/pause/blobs/sha256:" + "DA86E6BA6CA197BF6BC5E9D900FEBD906B133EAA4750E6BED647B0FBE50ED43E", "DIGEST_INVALID" },
        { "/v2/pause/blobs/" + Digests.Sha256WithSha512Length, "DIGEST_INVALID" },
        { "/v2/pause/blobs/sha256:abc", "DIGEST_INVALID" },
        { "/v2/pause/blobs/sha512:abc", "DIGEST_INVALID" },
        { "/v2/pause/blobs/" + Digests.PauseHex, "DIGEST_INVALID" },
        { "/v2/pause/blobs/sha256:", "DIGEST_INVALID" },
        { "/v2/pause/blobs/:abc", "DIGEST_INVALID" },
        { "/v2/pause/manifests/sha256:abc", "DIGEST_INVALID" },
        // Tags outside the grammar.
        { "/v2/pause/manifests/.hidden", "NOT_FOUND" },
        { "/v2/pause/manifests/" + new string('t', 129), "NOT_FOUND" },
        { "/v2/_catalog", "NOT_FOUND" },
        { "/v2/_catalog?n=10", "NOT_FOUND" },
    };

    [Theory]
    [MemberData(nameof(InvalidPaths))]
    public async Task Invalid_api_paths_get_404_with_an_OCI_error(string target, string code)
    {
        var context = await SendAsync(false, "GET", target, AwsEuWest3, null);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
        Assert.Equal("application/json", context.Response.ContentType);
        using var body = await JsonDocument.ParseAsync(context.Response.Body);
        var error = body.RootElement.GetProperty("errors")[0];
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    /// <summary>distribution-spec, "Listing Referrers": a digest of invalid syntax MUST get 400 (not the 404 that says "no referrers API").</summary>
    [Theory]
    [InlineData("/v2/pause/referrers/latest")]
    [InlineData("/v2/pause/referrers/sha256:xyz")]
    [InlineData("/v2/pause/referrers/sha256:abc?artifactType=application%2Fexample")]
    public async Task Referrers_with_an_invalid_digest_get_400_DIGEST_INVALID(string target)
    {
        var context = await SendAsync(false, "GET", target, AwsEuWest3, null);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
        using var body = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal("DIGEST_INVALID", body.RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("/v3/")]
    [InlineData("/v2foo")]
    [InlineData("/privacy/")]
    [InlineData("/privacyx")]
    [InlineData("/index.html")]
    [InlineData("//v2/")]
    public async Task Paths_outside_the_api_get_404(string target)
    {
        var context = await SendAsync(false, "GET", target, NoCloud, null);

        Assert.Equal(404, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
    }

    [Theory]
    [InlineData("POST", "/v2/")]
    [InlineData("PUT", "/v2/pause/manifests/latest")]
    [InlineData("DELETE", "/v2/pause/manifests/latest")]
    [InlineData("PATCH", "/v2/pause/blobs/uploads/x")]
    [InlineData("OPTIONS", "/")]
    [InlineData("TRACE", "/v2/pause/tags/list")]
    [InlineData("get", "/v2/")]
    public async Task Other_methods_get_405_with_Allow(string method, string target)
    {
        var context = await SendAsync(false, method, target, NoCloud, null);

        Assert.Equal(405, context.Response.StatusCode);
        Assert.Equal("GET, HEAD", context.Response.Headers.Allow.ToString());
        Assert.False(context.Response.Headers.ContainsKey("Location"));
    }

    [Theory]
    [InlineData("GET", "/v2/")]
    [InlineData("HEAD", "/v2")]
    public async Task Api_base_answers_200_with_the_version_header_and_no_challenge(string method, string target)
    {
        var context = await SendAsync(false, method, target, NoCloud, null);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("registry/2.0", context.Response.Headers["Docker-Distribution-Api-Version"].ToString());
        Assert.False(context.Response.Headers.ContainsKey("WWW-Authenticate"));
        Assert.Equal(0, context.Response.ContentLength);
    }

    /// <summary>Columns: peer, X-Forwarded-For. The blob request cannot know its client: 400.</summary>
    public static TheoryData<string?, string?> UnresolvableClients => new()
    {
        // No peer address (the .NET form of the original's "bogus remote addr").
        { null, null },
        // One entry: the Google convention needs at least <client>,<lb>.
        { "127.0.0.1", "35.180.1.1" },
        { "127.0.0.1", "bogus, 130.211.0.1" },
        { "127.0.0.1", "35.180.1.1asdf, 130.211.0.1" },
        { "127.0.0.1", "1, 130.211.0.1" },
        { "127.0.0.1", "035.180.1.1, 130.211.0.1" },
        { "127.0.0.1", "0x23.180.1.1, 130.211.0.1" },
        { "127.0.0.1", "[::1], 130.211.0.1" },
        { "127.0.0.1", "fe80::1%eth0, 130.211.0.1" },
        { "127.0.0.1", "35.180.1.1:443, 130.211.0.1" },
        { "127.0.0.1", ", 130.211.0.1" },
    };

    [Theory]
    [MemberData(nameof(UnresolvableClients))]
    public async Task Blob_requests_without_a_resolvable_client_get_400(string? peer, string? forwardedFor)
    {
        var context = await SendAsync(false, "GET", "/v2/pause/blobs/" + Digests.Pause, peer, forwardedFor);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.False(context.Response.Headers.ContainsKey("Location"));
    }

    [Fact]
    public async Task All_X_Forwarded_For_lines_count_in_order()
    {
        var context = await fixture.WithoutSignatures.SendRawAsync(
            "GET",
            "/v2/pause/blobs/" + Digests.Pause,
            IPAddress.Loopback,
            ("X-Forwarded-For", "35.220.26.1"),
            ("X-Forwarded-For", "35.180.1.1"),
            ("X-Forwarded-For", "130.211.0.1"));

        Assert.Equal(EuWest3 + Digests.Pause, context.Response.Headers.Location.ToString());
    }

    [Theory]
    [InlineData(AwsEuWest3, @"^rule=\d+; mirror=aws-eu-west-3$")]
    [InlineData(Gcp, "^rule=0; mirror=upstream$")]
    [InlineData(NoCloud, @"^rule=\d+; mirror=default$")]
    public async Task The_route_header_says_which_rule_sent_a_blob_where(string peer, string pattern)
    {
        var context = await SendAsync(true, "GET", "/v2/pause/blobs/" + Digests.Pause, peer, null);

        Assert.Matches(pattern, context.Response.Headers["X-Archeio-Route"].ToString());
    }

    [Fact]
    public async Task The_route_header_is_off_by_default_and_never_on_other_requests()
    {
        var blob = await SendAsync(false, "GET", "/v2/pause/blobs/" + Digests.Pause, AwsEuWest3, null);
        var manifest = await SendAsync(true, "GET", "/v2/pause/manifests/latest", AwsEuWest3, null);

        Assert.False(blob.Response.Headers.ContainsKey("X-Archeio-Route"));
        Assert.False(manifest.Response.Headers.ContainsKey("X-Archeio-Route"));
    }

    [Fact]
    public async Task Head_requests_get_no_body()
    {
        var context = await SendAsync(false, "HEAD", "/v2/pause/blobs/sha256:abc", NoCloud, null);

        Assert.Equal(404, context.Response.StatusCode);
        using var reader = new StreamReader(context.Response.Body);
        Assert.Equal(string.Empty, await reader.ReadToEndAsync());
        Assert.True(context.Response.ContentLength > 0);
    }

    private Task<HttpContext> SendAsync(bool signatures, string method, string target, string? peer, string? forwardedFor)
    {
        var factory = signatures ? fixture.WithSignatures : fixture.WithoutSignatures;
        var headers = forwardedFor is null ? [] : new[] { ("X-Forwarded-For", forwardedFor) };
        return factory.SendRawAsync(method, target, peer is null ? null : IPAddress.Parse(peer), headers);
    }
}
