using System.Net;
using System.Security.Cryptography;
using Archeio.Oci.Errors;
using Geranos.Source;
using Geranos.Source.Http;

namespace Geranos.Tests.Source;

/// <summary><see cref="RegistryClient"/> and <see cref="ManifestWalker"/> against a real Distribution 2.8.</summary>
public sealed class RegistryClientDistributionTests(SourceRegistryFixture fixture) : IClassFixture<SourceRegistryFixture>, IDisposable
{
    private readonly SocketsHttpHandler _http = new() { UseProxy = false };

    [Fact]
    public async Task ListTags_lists_every_tag_once_with_small_pages()
    {
        // Distribution 2.8 ignores n on tags/list and answers one page (seen in its access log), so this only
        // shows that asking for pages does no harm; following Link is RegistryClientFakeTests' job.
        var client = Client();

        var tags = await client.ListTagsAsync("geranos/single", pageSize: 2);

        Assert.Equal(SourceRegistryFixture.SingleTags.Order(StringComparer.Ordinal), tags.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetManifest_by_tag_returns_the_pushed_bytes_type_and_digest()
    {
        var manifest = await Client().GetManifestAsync("geranos/multi", "latest");

        Assert.Equal(fixture.Multi.Digest, manifest.Digest);
        Assert.Equal(fixture.Multi.MediaType, manifest.MediaType);
        Assert.Equal(fixture.Multi.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(manifest.Bytes.Span)));
    }

    [Fact]
    public async Task Walker_finds_exactly_the_blobs_of_a_single_platform_image()
    {
        var result = await new ManifestWalker(Client()).WalkAsync("geranos/single", "v3");

        Assert.Equal(fixture.Single.Digest, result.RootDigest);
        Assert.Equal([fixture.Single.Digest], result.Manifests.Select(m => m.Digest));
        Assert.Empty(result.Root.Children);
        Assert.Equal(fixture.Single.BlobDigests.Order(StringComparer.Ordinal), result.Blobs.Select(b => b.Digest).Order(StringComparer.Ordinal));
        Assert.All(result.Blobs, b => Assert.Equal(fixture.Single.BlobSizes[b.Digest], b.Size));
    }

    [Fact]
    public async Task Walker_recurses_into_the_platforms_of_an_index()
    {
        var result = await new ManifestWalker(Client()).WalkAsync("geranos/multi", "latest");

        Assert.Equal(fixture.Multi.Digest, result.RootDigest);
        Assert.Equal(fixture.Multi.ChildManifestDigests, result.Root.Children);
        Assert.Equal(fixture.Multi.ManifestDigests.Order(StringComparer.Ordinal), result.Manifests.Select(m => m.Digest).Order(StringComparer.Ordinal));
        Assert.Empty(result.Root.Blobs);
        Assert.Equal(fixture.Multi.BlobDigests.Order(StringComparer.Ordinal), result.Blobs.Select(b => b.Digest).Order(StringComparer.Ordinal));
        Assert.All(result.Manifests, m => Assert.Equal(m.Digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(m.Bytes.Span))));
    }

    [Fact]
    public async Task Blob_streams_hash_to_their_digests()
    {
        var client = Client();
        foreach (var digest in fixture.Multi.BlobDigests)
        {
            await using var stream = await client.OpenBlobAsync("geranos/multi", digest);
            var hash = await SHA256.HashDataAsync(stream);
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(hash));
        }
    }

    [Fact]
    public async Task A_registry_prefix_is_a_repository_namespace()
    {
        var client = new RegistryClient(new Uri(fixture.Registry.BaseUrl + "/geranos"), new RegistryPipeline(_http));

        var manifest = await client.GetManifestAsync("single", fixture.Single.Digest);

        Assert.Equal(fixture.Single.Digest, manifest.Digest);
    }

    [Theory]
    [InlineData("", null, new[] { "geranos/multi", "geranos/single" })]
    [InlineData("", 1, new[] { "geranos/multi", "geranos/single" })]
    [InlineData("/geranos", null, new[] { "multi", "single" })]
    [InlineData("/geranos", 1, new[] { "multi", "single" })]
    [InlineData("/elsewhere", null, new string[0])]
    public async Task Catalog_lists_the_pushed_repositories_below_the_prefix(string prefix, int? pageSize, string[] expected)
    {
        // Distribution 2.8 honours n on _catalog and links the next page, unlike on tags/list.
        var client = new RegistryClient(new Uri(fixture.Registry.BaseUrl + prefix), new RegistryPipeline(_http));
        var mark = fixture.Registry.AccessLog.Mark();

        var repositories = await client.ListRepositoriesAsync(pageSize);

        Assert.Equal(expected, repositories);
        var catalogRequests = (await fixture.Registry.WaitForAccessLogAsync(mark, e => e.Count(x => x.Path == "/v2/_catalog") >= (pageSize is null ? 1 : 2)))
            .Count(x => x.Path == "/v2/_catalog");
        Assert.True(pageSize is null ? catalogRequests == 1 : catalogRequests >= 2, $"{catalogRequests} catalog requests");
    }

    [Fact]
    public async Task Resolve_gives_the_digest_a_GET_would_serve()
    {
        var client = Client();

        Assert.Equal(fixture.Multi.Digest, await client.ResolveAsync("geranos/multi", "latest"));
        Assert.Equal(fixture.Single.Digest, await client.ResolveAsync("geranos/single", "v1"));
        Assert.Equal(fixture.Multi.ChildManifestDigests[0], await client.ResolveAsync("geranos/multi", fixture.Multi.ChildManifestDigests[0]));
    }

    [Theory]
    [InlineData("geranos/single", "no-such-tag")]
    [InlineData("geranos/nothing", "latest")]
    public async Task Resolve_and_GetManifest_of_something_missing_throw_404(string repository, string reference)
    {
        var client = Client();

        var head = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync(repository, reference));
        var get = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync(repository, reference));

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.True(get.ErrorCode is "MANIFEST_UNKNOWN" or "NAME_UNKNOWN", get.Message);
    }

    [Fact]
    public async Task Referrers_are_not_offered_by_Distribution_2_8()
    {
        var referrers = await Client().ListReferrersAsync("geranos/single", fixture.Single.Digest);

        Assert.Null(referrers);
    }

    public void Dispose() => _http.Dispose();

    private RegistryClient Client() => new(new Uri(fixture.Registry.BaseUrl), new RegistryPipeline(_http));
}
