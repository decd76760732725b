using System.Text;
using System.Text.Json;
using Archeio.Oci.MediaTypes;
using Archeio.TestBed;
using Geranos.Destination;
using Geranos.Tests.Cli;
using Geranos.Tests.Destination;

namespace Geranos.Tests.Security;

/// <summary>
/// Issue 16, mirror-tool side: a manifest object (<c>containers/manifests/&lt;digest&gt;</c>) is served to clients that
/// asked for that digest, so no bytes other than that manifest's, and no Content-Type other than a manifest media type,
/// may ever become visible there, whatever the source says. Asked for by digest, the bytes must hash to it; asked for
/// by tag, the digest is the registry's header, which must match the bytes (or is computed from them); schema 1 is
/// checked against its JWS payload. A whole <c>geranos sync</c> runs against a raw-socket source and the real s3rver.
/// </summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class HostileManifestSyncTests(S3DestinationFixture fixture)
{
    [Fact]
    public async Task Only_manifests_whose_bytes_are_their_digest_become_manifest_objects()
    {
        await using var registry = new HostileRegistry();
        var honest = AddLayerImage(registry, "honest");

        // An index whose child is served, by its digest, as other bytes.
        var childLayer = registry.AddBlob(Encoding.UTF8.GetBytes("the child's layer"));
        var child = registry.AddImage("child", (childLayer, registry.Blobs[childLayer].Length));
        _ = registry.Tags.TryRemove("child", out _);
        var index = registry.AddManifest(
            HostileRegistry.OciIndex,
            $$"""{"schemaVersion":2,"mediaType":"{{HostileRegistry.OciIndex}}","manifests":[{{HostileRegistry.Descriptor(HostileRegistry.OciManifest, child, registry.Manifests[child].Bytes.Length)}}]}""");
        registry.Tags["index-of-a-lying-child"] = index;
        registry.Manifests[child] = (HostileRegistry.OciManifest, registry.Manifests[honest].Bytes);

        // By tag: a HEAD and GET naming another manifest's (valid) digest; a GET naming none (the digest is the bytes').
        _ = AddLayerImage(registry, "header-lies");
        registry.HeadDigests["header-lies"] = null;
        registry.GetDigests["header-lies"] = honest;
        var unnamed = AddLayerImage(registry, "no-header");
        registry.HeadDigests["no-header"] = null;
        registry.GetDigests["no-header"] = null!;

        // Schema 1, whose digest the client checks against its JWS payload: one honest (signed, header = the payload's
        // digest), one whose header names a digest neither its bytes nor its payload have.
        var schema1Layer = registry.AddBlob(Encoding.UTF8.GetBytes("schema 1 layer"));
        var payload = Encoding.UTF8.GetBytes($$"""
            {
               "schemaVersion": 1,
               "name": "{{HostileRegistry.Repository}}",
               "tag": "schema1",
               "fsLayers": [{ "blobSum": "{{schema1Layer}}" }]
            }
            """);
        var signed = ManifestContentTests.Signed(payload);
        var schema1 = HostileRegistry.Sha256(payload);
        registry.Manifests[schema1] = (HostileRegistry.Schema1, signed);
        registry.Tags["schema1"] = schema1;
        var lyingSchema1 = registry.AddManifest(HostileRegistry.Schema1, $$"""{"schemaVersion":1,"name":"{{HostileRegistry.Repository}}","tag":"schema1-lies","fsLayers":[{"blobSum":"{{schema1Layer}}"}],"signatures":[]}""");
        registry.Tags["schema1-lies"] = lyingSchema1;
        registry.HeadDigests["schema1-lies"] = null;
        registry.GetDigests["schema1-lies"] = unnamed;

        // A manifest served as text/html: it would become the object's Content-Type.
        var htmlLayer = registry.AddBlob(Encoding.UTF8.GetBytes("<script>alert(1)</script>"));
        var html = registry.AddManifest(
            "text/html",
            $$"""{"schemaVersion":2,"config":{{HostileRegistry.Descriptor("application/vnd.oci.image.config.v1+json", htmlLayer, registry.Blobs[htmlLayer].Length)}},"layers":[]}""");
        registry.Tags["html"] = html;
        var mirror = fixture.NewMirror();

        var (exit, output, error) = await RunAsync(registry, mirror);

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        var failures = JsonDocument.Parse(output).RootElement.GetProperty("failures").EnumerateArray()
            .Select(f => f.GetProperty("subject").GetString() + " " + f.GetProperty("reason").GetString()).ToList();
        var report = string.Join('\n', failures);
        Assert.Contains(failures, f => f.Contains($"@{child}", StringComparison.Ordinal) && f.Contains("whose digest is", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith($"{HostileRegistry.Repository}@header-lies ", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith(unnamed + " manifest refused", StringComparison.Ordinal) && f.Contains("digest mismatch", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith(html + " manifest refused", StringComparison.Ordinal) && f.Contains("media type text/html", StringComparison.Ordinal));

        // Visible: the honest image, the manifest named by its own bytes, the honest signed schema 1 (bytes as served,
        // its media type); not the lying child, nor the index over it, nor the liars, nor the HTML.
        Assert.True(
            new HashSet<string>(StringComparer.Ordinal) { honest, unnamed, schema1 }.SetEquals(await mirror.ListManifestsAsync(default)),
            string.Join(' ', await mirror.ListManifestsAsync(default)) + "\n" + report);
        foreach (var digest in await mirror.ListManifestsAsync(default))
        {
            var (bytes, contentType) = (await mirror.ReadManifestAsync(digest, default))!.Value;
            Assert.Equal(registry.Manifests[digest].Bytes, bytes);
            Assert.Equal(registry.Manifests[digest].MediaType, contentType);
            Assert.Null(ManifestContent.Verify(digest, contentType!, bytes));
        }

        Assert.Equal(ManifestMediaTypes.DockerSchema1Signed, (await mirror.ReadManifestAsync(schema1, default))!.Value.ContentType);

        // Markers only where the object is; the manifest inventory lists exactly the objects.
        Assert.Subset((await mirror.ListManifestsAsync(default)).ToHashSet(StringComparer.Ordinal), (await mirror.ListMarkersAsync(default)).ToHashSet(StringComparer.Ordinal));
        Assert.Equal((await mirror.ListManifestsAsync(default)).Order(StringComparer.Ordinal), await mirror.ReadManifestInventoryAsync(default));
        Assert.Empty((await new MirrorVerifier().VerifyAsync(mirror, deep: true, parallel: 2, null, default)).Problems);
    }

    private static string AddLayerImage(HostileRegistry registry, string tag)
    {
        var layer = registry.AddBlob(Encoding.UTF8.GetBytes("the layer of " + tag));
        return registry.AddImage(tag, (layer, registry.Blobs[layer].Length));
    }

    private async Task<(int Exit, string Out, string Error)> RunAsync(HostileRegistry registry, S3Mirror mirror)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        string[] arguments =
        [
            "sync", "--source", registry.BaseUri.ToString(), "--repository", HostileRegistry.Repository,
            "--dest", $"s3://{mirror.Url.Bucket}/{mirror.Url.KeyPrefix.TrimEnd('/')}",
            "--s3-endpoint", fixture.S3.BaseUrl, "--s3-region", "us-east-1", "--s3-path-style", "--json",
        ];
        var result = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey, cancellationToken: limit.Token);
        Assert.False(limit.IsCancellationRequested, $"the run did not end within 120 s\n{result.Error}");
        return result;
    }
}
