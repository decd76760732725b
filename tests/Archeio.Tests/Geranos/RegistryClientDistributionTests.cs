using System.Security.Cryptography;
using Geranos.Source;

namespace Archeio.Tests.Geranos;

/// <summary><see cref="RegistryClient"/> and <see cref="ManifestWalker"/> against a real Distribution 2.8.</summary>
public sealed class RegistryClientDistributionTests(SourceRegistryFixture fixture) : IClassFixture<SourceRegistryFixture>, IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

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
        var client = new RegistryClient(new Uri(fixture.Registry.BaseUrl + "/geranos"), _http);

        var manifest = await client.GetManifestAsync("single", fixture.Single.Digest);

        Assert.Equal(fixture.Single.Digest, manifest.Digest);
    }

    public void Dispose() => _http.Dispose();

    private RegistryClient Client() => new(new Uri(fixture.Registry.BaseUrl), _http);
}
