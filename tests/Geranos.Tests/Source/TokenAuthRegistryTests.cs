using System.Net;
using System.Security.Cryptography;
using Archeio.Oci.Auth;
using Archeio.Oci.Errors;
using Archeio.TestBed;
using Geranos.Source;
using Geranos.Source.Http;

namespace Geranos.Tests.Source;

/// <summary>
/// <see cref="RegistryClient"/> against Distribution 2.8 with real token auth
/// (https://distribution.github.io/distribution/spec/auth/token/): the registry verifies the JWTs that the test's
/// <see cref="TokenServer"/> signs, so the whole flow (challenge, realm, basic credentials, scopes, token cache) runs
/// as against a production registry.
/// </summary>
public sealed class TokenAuthRegistryTests(TokenAuthRegistryFixture fixture) : IClassFixture<TokenAuthRegistryFixture>, IDisposable
{
    private static readonly RegistryCredentials Credentials = new(TokenAuthRegistry.Username, TokenAuthRegistry.Password);

    private readonly SocketsHttpHandler _http = new() { UseProxy = false };

    [Fact]
    public void Skopeo_pushed_with_credentials_and_a_push_scope()
    {
        Assert.NotEmpty(fixture.PushTokenRequests);
        Assert.All(fixture.PushTokenRequests, r => Assert.Equal(TokenAuthRegistry.Username, r.User));
        Assert.Contains(fixture.PushTokenRequests, r => r.Scopes.Contains("repository:geranos/one:pull,push"));
        Assert.Contains(fixture.PushTokenRequests, r => r.Scopes.Contains("repository:geranos/two:pull,push"));
    }

    [Fact]
    public async Task With_credentials_the_client_reads_everything_with_one_token_per_repository()
    {
        var client = Client(Credentials);
        var mark = fixture.Bed.Tokens.Mark();

        var tags = await client.ListTagsAsync("geranos/one");
        var resolved = await client.ResolveAsync("geranos/one", "v1");
        var manifest = await client.GetManifestAsync("geranos/one", "v2");
        var blob = fixture.One.BlobDigests[^1];
        await using (var stream = await client.OpenBlobAsync("geranos/one", blob))
        {
            Assert.Equal(blob, "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(stream)));
        }

        var walked = await new ManifestWalker(client).WalkAsync("geranos/two", "latest");

        Assert.Equal(["v1", "v2"], tags.Order(StringComparer.Ordinal));
        Assert.Equal(fixture.One.Digest, resolved);
        Assert.Equal(fixture.One.Digest, manifest.Digest);
        Assert.Equal(fixture.Two.Digest, walked.RootDigest);
        Assert.Equal(fixture.Two.BlobDigests.Order(StringComparer.Ordinal), walked.Blobs.Select(b => b.Digest).Order(StringComparer.Ordinal));
        var requests = fixture.Bed.Tokens.Since(mark);
        Assert.Equal([["repository:geranos/one:pull"], ["repository:geranos/two:pull"]], requests.Select(r => r.Scopes));
        Assert.All(requests, r => Assert.Equal(TokenAuthRegistry.Username, r.User));
        Assert.All(requests, r => Assert.True(r.Accepted));
    }

    [Fact]
    public async Task Catalog_with_credentials_asks_for_the_catalog_scope()
    {
        var mark = fixture.Bed.Tokens.Mark();

        var everything = await Client(Credentials).ListRepositoriesAsync();
        var below = await new RegistryClient(new Uri(fixture.Bed.Registry.BaseUrl + "/geranos"), new RegistryPipeline(_http, Credentials)).ListRepositoriesAsync(pageSize: 1);

        Assert.Equal(["geranos/one", "geranos/two"], everything);
        Assert.Equal(["one", "two"], below);
        Assert.All(fixture.Bed.Tokens.Since(mark), r => Assert.Equal(["registry:catalog:*"], r.Scopes));
    }

    [Fact]
    public async Task Catalog_without_credentials_is_not_offered()
    {
        var mark = fixture.Bed.Tokens.Mark();

        Assert.Null(await Client(null).ListRepositoriesAsync());

        var request = Assert.Single(fixture.Bed.Tokens.Since(mark));
        Assert.Null(request.User);
        Assert.Equal(["registry:catalog:*"], request.Scopes);
    }

    [Fact]
    public async Task Without_credentials_reads_fail_with_401_UNAUTHORIZED()
    {
        var client = Client(null);
        var mark = fixture.Bed.Tokens.Mark();

        var tags = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("geranos/one"));
        var manifest = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("geranos/one", "v1"));

        Assert.Equal(HttpStatusCode.Unauthorized, tags.StatusCode);
        Assert.Equal("UNAUTHORIZED", tags.ErrorCode);
        Assert.Equal(HttpStatusCode.Unauthorized, manifest.StatusCode);
        Assert.Equal("UNAUTHORIZED", manifest.ErrorCode);
        Assert.All(fixture.Bed.Tokens.Since(mark), r => Assert.Null(r.User));
    }

    [Theory]
    [InlineData(TokenAuthRegistry.Username, "not-the-password-x7")]
    [InlineData("someone-else", TokenAuthRegistry.Password)]
    public async Task Wrong_credentials_fail_at_the_token_realm_once_without_retries(string user, string password)
    {
        var client = Client(new RegistryCredentials(user, password));
        var mark = fixture.Bed.Tokens.Mark();

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.ListTagsAsync("geranos/one"));

        Assert.Equal(HttpStatusCode.Unauthorized, error.StatusCode);
        Assert.Equal("UNAUTHORIZED", error.ErrorCode);
        Assert.Contains("token realm refused", error.Message, StringComparison.Ordinal);
        Assert.Contains(user, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(password, error.Message, StringComparison.Ordinal);
        var request = Assert.Single(fixture.Bed.Tokens.Since(mark));
        Assert.False(request.Accepted);
        Assert.Equal(2, client.RequestCount);
    }

    [Fact]
    public async Task Referrers_are_not_offered_behind_token_auth_either()
    {
        Assert.Null(await Client(Credentials).ListReferrersAsync("geranos/one", fixture.One.Digest));
    }

    public void Dispose() => _http.Dispose();

    private RegistryClient Client(RegistryCredentials? credentials) => new(new Uri(fixture.Bed.Registry.BaseUrl), new RegistryPipeline(_http, credentials));
}
