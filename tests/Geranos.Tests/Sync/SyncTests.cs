using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Archeio.TestBed;
using Geranos.Tests.Cli;

namespace Geranos.Tests.Sync;

/// <summary>
/// <c>geranos sync</c> and <c>geranos verify</c> end to end, in-process through the command line, against a real
/// Distribution and a real s3rver (<see cref="SyncBed"/>).
/// </summary>
[Collection(SyncBedDefinition.Name)]
public sealed class SyncTests(SyncBed bed) : IDisposable
{
    private readonly IAmazonS3 _s3 = bed.CreateClient();

    public void Dispose() => _s3.Dispose();

    [Fact]
    public async Task Full_sync_copies_every_blob_byte_for_byte_into_every_destination_and_records_every_manifest()
    {
        var (exit, output, error) = await GeranosRun.RunAsync(bed.SyncArguments(["full-a", "full-b/nested"], "--json"), S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, summary.GetProperty("failures").GetArrayLength());
        Assert.Equal(bed.AllBlobs.Count, summary.GetProperty("blobsCopied").GetInt64());
        Assert.Equal(bed.AllBlobs.Values.Sum(), summary.GetProperty("bytesCopied").GetInt64());
        Assert.Equal(SyncBed.SingleTags.Count + 3, summary.GetProperty("tags").GetInt32());
        foreach (var prefix in new[] { "full-a", "full-b/nested" })
        {
            var mirror = SyncBed.Mirror(_s3, prefix);
            var listed = await mirror.ListBlobsAsync(default);
            Assert.Equal(bed.AllBlobs.OrderBy(p => p.Key, StringComparer.Ordinal), listed.OrderBy(p => p.Key, StringComparer.Ordinal));
            foreach (var digest in bed.AllBlobs.Keys)
            {
                await AssertSameBytesAsync(bed.LayoutBlob(digest), mirror.Url.BlobKey(digest));
            }

            var markers = await mirror.ListMarkersAsync(default);
            var manifests = bed.Images.SelectMany(i => i.Image.ChildManifestDigests.Append(i.Image.Digest));
            Assert.Superset(manifests.ToHashSet(StringComparer.Ordinal), markers.ToHashSet(StringComparer.Ordinal));
            Assert.Equal([.. bed.AllBlobs.Keys.Order(StringComparer.Ordinal)], await mirror.ReadInventoryAsync(default));
            await AssertManifestObjectsAsync(mirror);
        }
    }

    /// <summary>
    /// Every manifest of the bed (the single image, the index and its children, the signature) is a manifest object:
    /// the bytes the registry serves (skopeo pushed the layouts' manifests unchanged, so the layout's copy), its media
    /// type as Content-Type, immutable caching; the manifest inventory lists exactly the objects, blobs stay apart.
    /// </summary>
    private async Task AssertManifestObjectsAsync(Geranos.Destination.S3Mirror mirror)
    {
        var stored = await mirror.ListManifestsAsync(default);
        var markers = await mirror.ListMarkersAsync(default);
        Assert.True(stored.SetEquals(markers), $"objects {string.Join(' ', stored)}\nmarkers {string.Join(' ', markers)}");
        foreach (var (_, image) in bed.Images)
        {
            foreach (var digest in image.ManifestDigests)
            {
                Assert.Contains(digest, stored);
                await AssertSameBytesAsync(image.BlobPath(digest), mirror.Url.ManifestKey(digest));
                var head = await _s3.GetObjectMetadataAsync(SyncBed.Bucket, mirror.Url.ManifestKey(digest));
                var mediaType = digest == image.Digest ? image.MediaType : "application/vnd.oci.image.manifest.v1+json";
                Assert.Equal(mediaType, head.Headers.ContentType);
                Assert.Equal("public, max-age=31536000, immutable", head.Headers.CacheControl);
            }
        }

        Assert.Equal([.. stored.Order(StringComparer.Ordinal)], await mirror.ReadManifestInventoryAsync(default));
        var inventory = (await mirror.ReadInventoryAsync(default))!;
        Assert.Empty(stored.Intersect(inventory));
        Assert.Empty(stored.Intersect((await mirror.ListBlobsAsync(default)).Keys));
    }

    [Fact]
    public async Task A_destination_synced_before_manifest_objects_gets_them_on_the_next_run_without_a_blob_copied()
    {
        var first = await GeranosRun.RunAsync(bed.SyncArguments(["upgrade"]), S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(first.Exit == 0, first.Error);
        var mirror = SyncBed.Mirror(_s3, "upgrade");

        // What a Geranos older than manifest objects leaves: blobs, markers, the blob inventory, and nothing else.
        var manifests = await mirror.ListManifestsAsync(default);
        Assert.NotEmpty(manifests);
        foreach (var digest in manifests)
        {
            await _s3.DeleteObjectAsync(SyncBed.Bucket, mirror.Url.ManifestKey(digest));
        }

        await _s3.DeleteObjectAsync(SyncBed.Bucket, mirror.Url.ManifestInventoryKey);
        string[] verify = ["verify", "--dest", $"s3://{SyncBed.Bucket}/upgrade", .. bed.S3Arguments, "--json"];
        var before = await GeranosRun.RunAsync(verify, S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.Equal(1, before.Exit);
        var problems = JsonDocument.Parse(before.Out).RootElement.GetProperty("destinations")[0].GetProperty("problems").EnumerateArray().ToList();
        Assert.Equal(manifests.Select(mirror.Url.ManifestKey).Order(StringComparer.Ordinal), problems.Select(p => p.GetProperty("key").GetString()));
        Assert.All(problems, p => Assert.StartsWith("missing, the manifest is recorded", p.GetProperty("reason").GetString(), StringComparison.Ordinal));
        var s3Mark = bed.S3.AccessLog.Mark();
        var registryMark = bed.Registry.AccessLog.Mark();

        var (exit, output, error) = await GeranosRun.RunAsync(bed.SyncArguments(["upgrade"], "--json"), S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, summary.GetProperty("blobsCopied").GetInt64());
        Assert.Equal(manifests.Count, summary.GetProperty("manifestObjectsWritten").GetInt64());
        await AssertManifestObjectsAsync(mirror);
        var s3 = await bed.S3.WaitForAsync(s3Mark, entries => entries.Any(e => e.Method == "PUT" && Decoded(e.Path).EndsWith("/upgrade/geranos/manifest-inventory.txt", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Assert.DoesNotContain(s3, e => Decoded(e.Path).Contains("/containers/images/", StringComparison.Ordinal));
        Assert.DoesNotContain(s3, e => e.Method == "PUT" && Decoded(e.Path).Contains("/geranos/manifests/", StringComparison.Ordinal));
        Assert.Equal(manifests.Count, s3.Count(e => e.Method == "PUT" && Decoded(e.Path).Contains("/containers/manifests/", StringComparison.Ordinal)));
        Assert.DoesNotContain(bed.Registry.AccessLog.Since(registryMark), e => e.Path.Contains("/blobs/", StringComparison.Ordinal));
        var after = await GeranosRun.RunAsync([.. verify, "--deep"], S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(after.Exit == 0, after.Out + after.Error);
    }

    [Fact]
    public async Task Second_run_copies_nothing_and_sends_no_blob_request_to_source_or_store()
    {
        var first = await GeranosRun.RunAsync(bed.SyncArguments(["again"]), S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(first.Exit == 0, first.Error);
        var s3Mark = bed.S3.AccessLog.Mark();
        var registryMark = bed.Registry.AccessLog.Mark();

        var (exit, output, error) = await GeranosRun.RunAsync(bed.SyncArguments(["again"], "--json"), S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(0, summary.GetProperty("blobsCopied").GetInt64());
        Assert.Equal(0, summary.GetProperty("manifestsMirrored").GetInt64());
        Assert.Equal(summary.GetProperty("tags").GetInt32(), summary.GetProperty("manifestsRecorded").GetInt64());
        Assert.Equal(0, summary.GetProperty("manifestObjectsWritten").GetInt64());

        // The manifest inventory PUT is the last request of the run: wait for it, then nothing may touch a blob or
        // manifest key (a manifest object is never written again).
        var s3 = await bed.S3.WaitForAsync(s3Mark, entries => entries.Any(e => e.Method == "PUT" && Decoded(e.Path).EndsWith("/again/geranos/manifest-inventory.txt", StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Assert.Contains(s3, e => e.Method == "PUT" && Decoded(e.Path).EndsWith("/again/geranos/inventory.txt", StringComparison.Ordinal));
        Assert.DoesNotContain(s3, e => Decoded(e.Path).Contains("/containers/images/", StringComparison.Ordinal));
        Assert.DoesNotContain(s3, e => Decoded(e.Path).Contains("/containers/manifests/", StringComparison.Ordinal));
        Assert.DoesNotContain(s3, e => e.Method == "HEAD");
        var registry = bed.Registry.AccessLog.Since(registryMark);
        Assert.DoesNotContain(registry, e => e.Path.Contains("/blobs/", StringComparison.Ordinal));
        Assert.DoesNotContain(registry, e => e.Method == "GET" && e.Path.Contains("/manifests/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dry_run_writes_nothing_and_counts_what_a_real_run_then_copies()
    {
        var mark = bed.S3.AccessLog.Mark();

        var plan = await GeranosRun.RunAsync(bed.SyncArguments(["dry"], "--dry-run", "--json"), S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(plan.Exit == 0, plan.Error);
        var planned = JsonDocument.Parse(plan.Out).RootElement;
        Assert.True(planned.GetProperty("dryRun").GetBoolean());
        Assert.Equal(bed.AllBlobs.Count, planned.GetProperty("blobsToCopy").GetInt64());
        Assert.Equal(bed.AllBlobs.Values.Sum(), planned.GetProperty("bytesToCopy").GetInt64());
        Assert.Empty(await SyncBed.Mirror(_s3, "dry").ListBlobsAsync(default));
        Assert.DoesNotContain(bed.S3.AccessLog.Since(mark), e => e.Method is "PUT" or "POST" or "DELETE");

        var run = await GeranosRun.RunAsync(bed.SyncArguments(["dry"], "--json"), S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.Equal(planned.GetProperty("blobsToCopy").GetInt64(), JsonDocument.Parse(run.Out).RootElement.GetProperty("blobsCopied").GetInt64());
    }

    [Theory]
    [InlineData("v*", "", 2)]
    [InlineData("v*", "v2", 1)]
    [InlineData("", "*.sig", 3)]
    [InlineData("nothing-matches", "", 0)]
    public async Task Include_and_exclude_choose_the_tags(string include, string exclude, int tags)
    {
        string[] filters = [.. include.Length > 0 ? new[] { "--include", include } : [], .. exclude.Length > 0 ? new[] { "--exclude", exclude } : []];
        string[] arguments = ["sync", "--source", bed.Registry.BaseUrl, "--repository", "sync/single", "--dest", $"s3://{SyncBed.Bucket}/filters", .. bed.S3Arguments, "--dry-run", "--json", .. filters];

        var (exit, output, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        Assert.Equal(tags, JsonDocument.Parse(output).RootElement.GetProperty("tags").GetInt32());
    }

    [Fact]
    public async Task Plain_output_logs_each_copy_and_prints_a_summary_table()
    {
        var (exit, output, error) = await GeranosRun.RunAsync(bed.SyncArguments(["plain"]), S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        Assert.Contains($"copied {bed.Large.Platforms.Values.Single().LayerDigests[0]} (64.0 MiB", error, StringComparison.Ordinal);
        Assert.Contains("inventory of", error, StringComparison.Ordinal);
        Assert.Contains("blobs copied", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_passes_a_clean_mirror_and_deep_verify_catches_an_object_overwritten_with_wrong_bytes()
    {
        var sync = await GeranosRun.RunAsync(bed.SyncArguments(["tampered"]), S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(sync.Exit == 0, sync.Error);
        string[] verify = ["verify", "--dest", $"s3://{SyncBed.Bucket}/tampered", .. bed.S3Arguments];
        var clean = await GeranosRun.RunAsync([.. verify, "--deep"], S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(clean.Exit == 0, clean.Out + clean.Error);

        var layer = bed.Single.Platforms.Values.Single().LayerDigests[0];
        var key = SyncBed.Mirror(_s3, "tampered").Url.BlobKey(layer);
        var wrong = new byte[bed.AllBlobs[layer]];
        Random.Shared.NextBytes(wrong);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = SyncBed.Bucket, Key = key, InputStream = new MemoryStream(wrong), UseChunkEncoding = false });

        var shallow = await GeranosRun.RunAsync(verify, S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        var deep = await GeranosRun.RunAsync([.. verify, "--deep", "--json"], S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(shallow.Exit == 0, shallow.Out + shallow.Error);
        Assert.Equal(1, deep.Exit);
        var problems = JsonDocument.Parse(deep.Out).RootElement.GetProperty("destinations")[0].GetProperty("problems");
        var problem = Assert.Single(problems.EnumerateArray());
        Assert.Equal(key, problem.GetProperty("key").GetString());
    }

    [Fact]
    public async Task A_present_blob_of_the_wrong_size_is_copied_again_and_one_of_the_right_size_is_skipped()
    {
        var mirror = SyncBed.Mirror(_s3, "sizes");
        var layers = bed.Single.Platforms.Values.Single().LayerDigests;
        var (right, wrong) = (layers[0], layers[1]);
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = SyncBed.Bucket, Key = mirror.Url.BlobKey(right), FilePath = bed.LayoutBlob(right), UseChunkEncoding = false });
        await _s3.PutObjectAsync(new PutObjectRequest { BucketName = SyncBed.Bucket, Key = mirror.Url.BlobKey(wrong), InputStream = new MemoryStream([1, 2, 3]), UseChunkEncoding = false });
        string[] arguments = ["sync", "--source", bed.Registry.BaseUrl, "--repository", "sync/single", "--include", "v1", "--dest", $"s3://{SyncBed.Bucket}/sizes", .. bed.S3Arguments, "--json"];

        var (exit, output, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, summary.GetProperty("blobsPresent").GetInt64());
        Assert.Equal(bed.Single.BlobDigests.Count - 1, summary.GetProperty("blobsCopied").GetInt64());
        Assert.Contains($"copied {wrong}", error, StringComparison.Ordinal);
        Assert.DoesNotContain($"copied {right}", error, StringComparison.Ordinal);
        await AssertSameBytesAsync(bed.LayoutBlob(wrong), mirror.Url.BlobKey(wrong));
    }

    [Fact]
    public async Task A_destination_that_cannot_be_listed_fails_the_run_with_a_message()
    {
        string[] arguments = ["sync", "--source", bed.Registry.BaseUrl, "--repository", "sync/single", "--dest", "s3://no-such-bucket", .. bed.S3Arguments];

        var (exit, _, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.Equal(1, exit);
        Assert.Contains("geranos sync: ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    private async Task AssertSameBytesAsync(string file, string key)
    {
        using var response = await _s3.GetObjectAsync(SyncBed.Bucket, key);
        await using var expected = File.OpenRead(file);
        await using var actual = response.ResponseStream;
        var a = new byte[81920];
        var b = new byte[81920];
        long offset = 0;
        while (true)
        {
            var read = await expected.ReadAtLeastAsync(a, a.Length, throwOnEndOfStream: false);
            var got = await actual.ReadAtLeastAsync(b, b.Length, throwOnEndOfStream: false);
            Assert.True(read == got && a.AsSpan(0, read).SequenceEqual(b.AsSpan(0, got)), $"{key} differs from {file} after byte {offset}");
            if (read == 0)
            {
                return;
            }

            offset += read;
        }
    }

    private static string Decoded(string path) => Uri.UnescapeDataString(path);
}
