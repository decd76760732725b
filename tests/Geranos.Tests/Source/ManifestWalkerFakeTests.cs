using System.Security.Cryptography;
using System.Text;
using Archeio.Oci.MediaTypes;
using Geranos.Source;
using Geranos.Source.Http;
using Microsoft.AspNetCore.Http;

namespace Geranos.Tests.Source;

/// <summary>
/// <see cref="ManifestWalker"/> on the manifest kinds the test bed cannot push: Docker schema 1, artifacts with
/// a foreign config type and a subject, nested indexes, Docker manifest lists.
/// </summary>
public sealed class ManifestWalkerFakeTests : IDisposable
{
    private const string Layer = "application/vnd.oci.image.layer.v1.tar+gzip";
    private readonly SocketsHttpHandler _http = new() { UseProxy = false };
    private readonly Dictionary<string, (string MediaType, byte[] Bytes)> _manifests = new(StringComparer.Ordinal);

    [Fact]
    public async Task Schema1_gives_its_fsLayers_once_each_without_sizes()
    {
        var a = Digest("a");
        var b = Digest("b");
        Serve("v1", ManifestMediaTypes.DockerSchema1Signed, $$"""
            {"schemaVersion":1,"name":"r","tag":"v1","architecture":"amd64",
             "fsLayers":[{"blobSum":"{{a}}"},{"blobSum":"{{b}}"},{"blobSum":"{{a}}"}],
             "history":[],"signatures":[]}
            """);

        var result = await WalkAsync("v1");

        Assert.Equal([a, b], result.Blobs.Select(x => x.Digest));
        Assert.All(result.Blobs, x => Assert.Null(x.Size));
        Assert.Equal(ManifestMediaTypes.DockerSchema1Signed, result.Root.MediaType);
    }

    [Fact]
    public async Task Artifact_gives_config_and_layers_of_any_type_but_not_its_subject()
    {
        var config = Digest("config");
        var layer = Digest("sbom");
        var subject = Digest("subject");
        Serve("sbom", ManifestMediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.OciManifest}}","artifactType":"application/spdx+json",
             "config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"{{config}}","size":2},
             "layers":[{"mediaType":"application/spdx+json","digest":"{{layer}}","size":1234}],
             "subject":{"mediaType":"{{ManifestMediaTypes.OciManifest}}","digest":"{{subject}}","size":500} }
            """);

        var result = await WalkAsync("sbom");

        Assert.Equal([new BlobReference(config, 2, "application/vnd.oci.empty.v1+json"), new BlobReference(layer, 1234, "application/spdx+json")], result.Blobs);
        Assert.Single(result.Manifests);
    }

    [Fact]
    public async Task Nested_indexes_and_manifest_lists_are_walked_and_shared_blobs_listed_once()
    {
        var shared = Digest("shared");
        var own = Digest("own");
        var image1 = Serve(null, ManifestMediaTypes.DockerManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.DockerManifest}}",
             "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"{{shared}}","size":10},
             "layers":[{"mediaType":"{{Layer}}","digest":"{{own}}","size":20}]}
            """);
        var image2 = Serve(null, ManifestMediaTypes.OciManifest, $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.OciManifest}}",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{shared}}","size":10},
             "layers":[]}
            """);
        var list = Serve(null, ManifestMediaTypes.DockerManifestList, $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.DockerManifestList}}",
             "manifests":[{"mediaType":"{{ManifestMediaTypes.DockerManifest}}","digest":"{{image1}}","size":1}]}
            """);
        var top = Serve("top", ManifestMediaTypes.OciIndex, $$"""
            {"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.OciIndex}}",
             "manifests":[
               {"mediaType":"{{ManifestMediaTypes.DockerManifestList}}","digest":"{{list}}","size":1},
               {"mediaType":"{{ManifestMediaTypes.OciManifest}}","digest":"{{image2}}","size":1},
               {"mediaType":"{{ManifestMediaTypes.DockerManifest}}","digest":"{{image1}}","size":1}]}
            """);

        var result = await WalkAsync("top");

        Assert.Equal(top, result.RootDigest);
        Assert.Equal([top, list, image1, image2], result.Manifests.Select(m => m.Digest));
        Assert.Equal([list, image2, image1], result.Root.Children);
        Assert.Equal([shared, own], result.Blobs.Select(b => b.Digest));
    }

    [Fact]
    public async Task A_manifest_that_does_not_match_its_digest_is_refused()
    {
        var claimed = Digest("something else");
        _manifests[claimed] = (ManifestMediaTypes.OciManifest, Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"layers\":[]}"));

        await Assert.ThrowsAsync<InvalidDataException>(() => WalkAsync(claimed));
    }

    public void Dispose() => _http.Dispose();

    private static string Digest(string content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    /// <summary>Serves <paramref name="json"/> by its digest and, if given, by <paramref name="tag"/>; returns the digest.</summary>
    private string Serve(string? tag, string mediaType, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        _manifests[digest] = (mediaType, bytes);
        if (tag is not null)
        {
            _manifests[tag] = (mediaType, bytes);
        }

        return digest;
    }

    private async Task<WalkResult> WalkAsync(string reference)
    {
        await using var registry = await FakeSourceRegistry.StartAsync(async context =>
        {
            var path = context.Request.Path.Value!;
            const string Prefix = "/v2/r/manifests/";
            if (path.StartsWith(Prefix, StringComparison.Ordinal) && _manifests.TryGetValue(path[Prefix.Length..], out var manifest))
            {
                context.Response.ContentType = manifest.MediaType;
                await context.Response.Body.WriteAsync(manifest.Bytes);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status404NotFound;
        });
        return await new ManifestWalker(new RegistryClient(registry.BaseUri, new RegistryPipeline(_http))).WalkAsync("r", reference);
    }
}
