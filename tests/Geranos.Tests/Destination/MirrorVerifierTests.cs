using System.Text;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary><see cref="MirrorVerifier"/> on mirrors built with the real copier and then damaged on purpose.</summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class MirrorVerifierTests(S3DestinationFixture fixture)
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private static readonly TestBlob Config = TestBlob.Create(500, seed: 21);
    private static readonly TestBlob Layer = TestBlob.Create(70_000, seed: 22);
    private static readonly TestBlob Sha512Layer = TestBlob.Create(3000, seed: 23, sha512: true);
    private static readonly byte[] ManifestBytes = Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{{Config.Digest}}","size":{{Config.Size}}},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{Layer.Digest}}","size":{{Layer.Size}}},{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{Sha512Layer.Digest}}","size":{{Sha512Layer.Size}}}]}""");
    private static readonly string Manifest = TestBlob.Of(ManifestBytes);
    private static readonly byte[] IndexBytes = Encoding.UTF8.GetBytes(
        $$"""{"schemaVersion":2,"mediaType":"{{OciIndex}}","manifests":[{"mediaType":"{{OciManifest}}","digest":"{{Manifest}}","size":{{ManifestBytes.Length}}}]}""");
    private static readonly string Index = TestBlob.Of(IndexBytes);

    /// <summary>Both markers name every blob; problems name the ordinally first of them.</summary>
    private static readonly string FirstManifest = string.CompareOrdinal(Manifest, Index) < 0 ? Manifest : Index;

    private readonly MirrorVerifier _verifier = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clean_mirror_has_no_problems(bool deep)
    {
        var mirror = await CleanMirrorAsync();
        long counted = 0;

        var report = await _verifier.VerifyAsync(mirror, deep, parallel: 2, n => Interlocked.Add(ref counted, n), default);

        var hashed = deep ? Config.Size + Layer.Size + Sha512Layer.Size + ManifestBytes.Length + IndexBytes.Length : 0;
        Assert.Equal(new VerifyReport(mirror.Url.ToString(), 3, 2, hashed, [], 2), report with { Problems = [] });
        Assert.Empty(report.Problems);
        Assert.Equal(hashed, counted);
    }

    [Fact]
    public async Task A_marker_naming_a_missing_blob_is_reported_on_the_blob_key()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.Client.DeleteObjectAsync(mirror.Url.Bucket, mirror.Url.BlobKey(Layer.Digest));

        var report = await _verifier.VerifyAsync(mirror, deep: false, parallel: 4, null, default);

        Assert.Equal([new VerifyProblem(mirror.Url.BlobKey(Layer.Digest), $"missing, needed by manifest {FirstManifest} and 1 more")], report.Problems);
    }

    [Fact]
    public async Task Same_size_corruption_passes_shallow_and_fails_deep()
    {
        var mirror = await CleanMirrorAsync();
        var corrupted = Layer.Corrupted();
        await fixture.PutRawAsync(mirror, mirror.Url.BlobKey(Layer.Digest), corrupted);

        var shallow = await _verifier.VerifyAsync(mirror, deep: false, parallel: 4, null, default);
        var deep = await _verifier.VerifyAsync(mirror, deep: true, parallel: 4, null, default);

        Assert.Empty(shallow.Problems);
        Assert.Equal([new VerifyProblem(mirror.Url.BlobKey(Layer.Digest), "content is " + TestBlob.Of(corrupted))], deep.Problems);
    }

    [Fact]
    public async Task A_wrong_size_object_fails_shallow()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.PutRawAsync(mirror, mirror.Url.BlobKey(Config.Digest), Config.Content[..100]);

        var report = await _verifier.VerifyAsync(mirror, deep: false, parallel: 1, null, default);

        Assert.Equal([new VerifyProblem(mirror.Url.BlobKey(Config.Digest), $"size 100, manifest {FirstManifest} says 500")], report.Problems);
    }

    [Fact]
    public async Task Junk_keys_unreadable_markers_and_inventory_gaps_are_reported_sorted()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.PutRawAsync(mirror, mirror.Url.BlobPrefix + "junk.txt", [1]);
        await fixture.PutRawAsync(mirror, mirror.Url.BlobPrefix + "sha256:ABC", [1]);
        var broken = "sha256:" + new string('3', 64);
        await fixture.PutRawAsync(mirror, mirror.Url.MarkerKey(broken), Encoding.UTF8.GetBytes("{"));
        await mirror.WriteInventoryAsync([Config.Digest, Archeio.TestBed.Digests.Missing, Manifest, "nonsense"], default);

        var report = await _verifier.VerifyAsync(mirror, deep: true, parallel: 3, null, default);

        Assert.Equal(5, report.Objects);
        Assert.Equal(3, report.Markers);
        Assert.Equal(
            [
                mirror.Url.BlobPrefix + "junk.txt",
                mirror.Url.BlobPrefix + "sha256:ABC",
                mirror.Url.BlobKey(Archeio.TestBed.Digests.Missing),
                mirror.Url.ManifestKey(broken),
                mirror.Url.InventoryKey,
                mirror.Url.MarkerKey(broken),
            ],
            report.Problems.Select(p => p.Key));
        Assert.StartsWith("not a blob", report.Problems[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("not a blob", report.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Equal("missing, listed in the inventory", report.Problems[2].Reason);
        Assert.StartsWith("missing, the manifest is recorded", report.Problems[3].Reason, StringComparison.Ordinal);
        Assert.Equal("'nonsense' is not a digest", report.Problems[4].Reason);
        Assert.StartsWith("unreadable marker", report.Problems[5].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_marker_without_its_manifest_object_fails_shallow()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.Client.DeleteObjectAsync(mirror.Url.Bucket, mirror.Url.ManifestKey(Manifest));

        var report = await _verifier.VerifyAsync(mirror, deep: false, parallel: 2, null, default);

        Assert.Equal(
            [
                new VerifyProblem(mirror.Url.ManifestKey(Manifest), "missing, listed in the manifest inventory"),
                new VerifyProblem(mirror.Url.ManifestKey(Manifest), "missing, the manifest is recorded (a sync writes it)"),
            ],
            report.Problems);
    }

    [Fact]
    public async Task Junk_manifest_keys_and_manifest_inventory_gaps_are_reported()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.PutRawAsync(mirror, mirror.Url.ManifestPrefix + "latest", [1]);
        await mirror.WriteManifestInventoryAsync([Manifest, Index, Archeio.TestBed.Digests.Missing, "nonsense"], default);

        var report = await _verifier.VerifyAsync(mirror, deep: false, parallel: 2, null, default);

        Assert.Equal(3, report.ManifestObjects);
        Assert.Equal(
            [
                new VerifyProblem(mirror.Url.ManifestPrefix + "latest", "not a manifest: the name is not a sha256 or sha512 digest"),
                new VerifyProblem(mirror.Url.ManifestKey(Archeio.TestBed.Digests.Missing), "missing, listed in the manifest inventory"),
                new VerifyProblem(mirror.Url.ManifestInventoryKey, "'nonsense' is not a digest"),
            ],
            report.Problems);
    }

    [Fact]
    public async Task A_corrupt_manifest_object_passes_shallow_and_fails_deep()
    {
        var mirror = await CleanMirrorAsync();
        var corrupted = ManifestBytes.ToArray();
        corrupted[^2] ^= 1;
        await PutAsync(mirror, mirror.Url.ManifestKey(Manifest), corrupted, OciManifest);

        var shallow = await _verifier.VerifyAsync(mirror, deep: false, parallel: 2, null, default);
        var deep = await _verifier.VerifyAsync(mirror, deep: true, parallel: 2, null, default);

        Assert.Empty(shallow.Problems);
        Assert.Equal([new VerifyProblem(mirror.Url.ManifestKey(Manifest), "content is " + TestBlob.Of(corrupted))], deep.Problems);
    }

    [Fact]
    public async Task Deep_verify_reports_a_manifest_object_whose_content_type_is_not_a_manifest_media_type()
    {
        var mirror = await CleanMirrorAsync();
        await PutAsync(mirror, mirror.Url.ManifestKey(Index), IndexBytes, "text/html");

        var deep = await _verifier.VerifyAsync(mirror, deep: true, parallel: 2, null, default);

        Assert.Equal([new VerifyProblem(mirror.Url.ManifestKey(Index), "Content-Type text/html is not a manifest media type")], deep.Problems);
    }

    private async Task PutAsync(S3Mirror mirror, string key, byte[] content, string contentType)
    {
        using var body = new MemoryStream(content);
        await fixture.Client.PutObjectAsync(new Amazon.S3.Model.PutObjectRequest
        {
            BucketName = mirror.Url.Bucket, Key = key, InputStream = body, ContentType = contentType, UseChunkEncoding = false,
        });
    }

    /// <summary>An image manifest (config, two layers) and an index over it, copied, stored and marked as the sync engine would.</summary>
    private async Task<S3Mirror> CleanMirrorAsync()
    {
        var mirror = fixture.NewMirror();
        var copier = new VerifiedBlobCopier();
        foreach (var blob in new[] { Config, Layer, Sha512Layer })
        {
            var result = await copier.CopyAsync(blob.Open(), blob.Digest, blob.Size, [mirror], null, default);
            Assert.True(result.Verified, result.Problem);
        }

        MarkedBlob[] blobs = [new(Config.Digest, Config.Size), new(Layer.Digest, Layer.Size), new(Sha512Layer.Digest, null)];
        await mirror.WriteManifestAsync(Manifest, OciManifest, ManifestBytes, default);
        await mirror.WriteMarkerAsync(new ManifestMarker(Manifest, OciManifest, "r", blobs), default);
        await mirror.WriteManifestAsync(Index, OciIndex, IndexBytes, default);
        await mirror.WriteMarkerAsync(new ManifestMarker(Index, OciIndex, "r", blobs), default);
        await mirror.WriteInventoryAsync([Config.Digest, Layer.Digest, Sha512Layer.Digest], default);
        await mirror.WriteManifestInventoryAsync([Manifest, Index], default);
        return mirror;
    }
}
