using System.Text;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary><see cref="MirrorVerifier"/> on mirrors built with the real copier and then damaged on purpose.</summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class MirrorVerifierTests(S3DestinationFixture fixture)
{
    private const string Manifest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Index = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private static readonly TestBlob Config = TestBlob.Create(500, seed: 21);
    private static readonly TestBlob Layer = TestBlob.Create(70_000, seed: 22);
    private static readonly TestBlob Sha512Layer = TestBlob.Create(3000, seed: 23, sha512: true);

    private readonly MirrorVerifier _verifier = new();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_clean_mirror_has_no_problems(bool deep)
    {
        var mirror = await CleanMirrorAsync();
        long counted = 0;

        var report = await _verifier.VerifyAsync(mirror, deep, parallel: 2, n => Interlocked.Add(ref counted, n), default);

        var hashed = deep ? Config.Size + Layer.Size + Sha512Layer.Size : 0;
        Assert.Equal(new VerifyReport(mirror.Url.ToString(), 3, 2, hashed, []), report with { Problems = [] });
        Assert.Empty(report.Problems);
        Assert.Equal(hashed, counted);
    }

    [Fact]
    public async Task A_marker_naming_a_missing_blob_is_reported_on_the_blob_key()
    {
        var mirror = await CleanMirrorAsync();
        await fixture.Client.DeleteObjectAsync(mirror.Url.Bucket, mirror.Url.BlobKey(Layer.Digest));

        var report = await _verifier.VerifyAsync(mirror, deep: false, parallel: 4, null, default);

        Assert.Equal([new VerifyProblem(mirror.Url.BlobKey(Layer.Digest), $"missing, needed by manifest {Manifest} and 1 more")], report.Problems);
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

        Assert.Equal([new VerifyProblem(mirror.Url.BlobKey(Config.Digest), $"size 100, manifest {Manifest} says 500")], report.Problems);
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
                mirror.Url.InventoryKey,
                mirror.Url.MarkerKey(broken),
            ],
            report.Problems.Select(p => p.Key));
        Assert.StartsWith("not a blob", report.Problems[0].Reason, StringComparison.Ordinal);
        Assert.StartsWith("not a blob", report.Problems[1].Reason, StringComparison.Ordinal);
        Assert.Equal("missing, listed in the inventory", report.Problems[2].Reason);
        Assert.Equal("'nonsense' is not a digest", report.Problems[3].Reason);
        Assert.StartsWith("unreadable marker", report.Problems[4].Reason, StringComparison.Ordinal);
    }

    /// <summary>An image manifest (config, two layers) and an index over it, copied and marked as the sync engine would.</summary>
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
        await mirror.WriteMarkerAsync(new ManifestMarker(Manifest, "application/vnd.oci.image.manifest.v1+json", "r", blobs), default);
        await mirror.WriteMarkerAsync(new ManifestMarker(Index, "application/vnd.oci.image.index.v1+json", "r", blobs), default);
        await mirror.WriteInventoryAsync([Config.Digest, Layer.Digest, Sha512Layer.Digest], default);
        return mirror;
    }
}
