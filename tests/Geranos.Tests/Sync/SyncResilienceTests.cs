using System.Text.Json;
using Amazon.S3;
using Archeio.TestBed;
using Geranos.Destination;
using Geranos.Tests.Cli;

namespace Geranos.Tests.Sync;

/// <summary>
/// What a sync promises when things go wrong: a source blob whose bytes are wrong is refused and never visible,
/// a run killed with SIGKILL leaves nothing partial and the next run finishes the work. What it hands on, the
/// inventory Archeio reads, is checked where Archeio is visible: Archeio.Tests' <c>InventoryHandOffTests</c>.
/// </summary>
[Collection(SyncBedDefinition.Name)]
public sealed class SyncResilienceTests(SyncBed bed) : IDisposable
{
    private readonly IAmazonS3 _s3 = bed.CreateClient();
    private readonly TempDirectory _directory = new("geranos-resilience");

    public void Dispose()
    {
        _s3.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_corrupted_source_blob_is_refused_reported_and_not_visible_and_the_rest_is_mirrored()
    {
        await using var registry = await RegistryProcess.StartAsync("geranos-corrupt");
        var good = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("good"), "good", seed: 91);
        var bad = await OciImageBuilder.BuildSinglePlatformAsync(_directory.Combine("bad"), "bad", seed: 92);
        await Skopeo.PushAsync(good, registry.HostPort, "c/good", "latest");
        await Skopeo.PushAsync(bad, registry.HostPort, "c/bad", "latest");
        var corrupted = bad.Platforms.Values.Single().LayerDigests[1];
        var data = Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs", "sha256", corrupted[7..9], corrupted[7..], "data");
        var bytes = await File.ReadAllBytesAsync(data);
        bytes[bytes.Length / 2] ^= 0xFF;
        await File.WriteAllBytesAsync(data, bytes);

        string[] arguments = ["sync", "--source", registry.BaseUrl, "--repository", "c/good", "--repository", "c/bad", "--dest", $"s3://{SyncBed.Bucket}/corrupt", .. bed.S3Arguments, "--json"];
        var (exit, output, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 1, error);
        var summary = JsonDocument.Parse(output).RootElement;
        var failure = Assert.Single(summary.GetProperty("failures").EnumerateArray());
        Assert.Equal(corrupted, failure.GetProperty("subject").GetString());
        Assert.Contains("digest mismatch", failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var mirror = SyncBed.Mirror(_s3, "corrupt");
        var listed = await mirror.ListBlobsAsync(default);
        Assert.DoesNotContain(corrupted, listed.Keys);
        Assert.Null(await mirror.HeadBlobAsync(corrupted, default));
        Assert.All(good.BlobDigests, d => Assert.Contains(d, listed.Keys));
        Assert.All(bad.BlobDigests.Where(d => d != corrupted), d => Assert.Contains(d, listed.Keys));
        var markers = await mirror.ListMarkersAsync(default);
        Assert.Contains(good.Digest, markers);
        Assert.DoesNotContain(bad.Digest, markers);
        Assert.DoesNotContain(corrupted, await mirror.ReadInventoryAsync(default) ?? []);
    }

    [Fact]
    public async Task A_run_killed_mid_upload_leaves_nothing_partial_and_the_next_run_completes_it()
    {
        var layer = bed.Large.Platforms.Values.Single().LayerDigests[0];
        var mirror = SyncBed.Mirror(_s3, "killed");
        var key = mirror.Url.BlobKey(layer);
        var mark = bed.S3.AccessLog.Mark();
        string[] arguments = [.. bed.SyncArguments(["killed"]), "--parallel", "1"];

        await using (var first = GeranosProcess.Start(arguments, SyncBed.S3Environment))
        {
            // Kill as soon as s3rver has stored the first part of the 64 MiB layer (13 parts of 5 MiB).
            await bed.S3.WaitForAsync(mark, entries => entries.Any(e => e.Method == "PUT" && Uri.UnescapeDataString(e.Path).EndsWith(key, StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
            await first.KillAsync();
        }

        Assert.DoesNotContain(layer, (await mirror.ListBlobsAsync(default)).Keys);
        Assert.Null(await mirror.HeadBlobAsync(layer, default));
        var verifier = new MirrorVerifier();
        Assert.Empty((await verifier.VerifyAsync(mirror, deep: true, parallel: 2, null, default)).Problems);

        var (exit, output, error) = await GeranosProcess.RunAsync([.. arguments, "--json"], SyncBed.S3Environment);

        Assert.True(exit == 0, error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.True(summary.GetProperty("blobsCopied").GetInt64() >= 1);
        Assert.Equal(bed.AllBlobs.Count, summary.GetProperty("blobsPresent").GetInt64() + summary.GetProperty("blobsCopied").GetInt64());
        var listed = await mirror.ListBlobsAsync(default);
        Assert.Equal(bed.AllBlobs.Keys.Order(StringComparer.Ordinal), listed.Keys.Order(StringComparer.Ordinal));
        var report = await verifier.VerifyAsync(mirror, deep: true, parallel: 2, null, default);
        Assert.Empty(report.Problems);
        var manifests = await mirror.ListObjectsAsync(mirror.Url.ManifestPrefix, default);
        Assert.Equal(bed.AllBlobs.Values.Sum() + manifests.Sum(m => m.Size), report.BytesHashed);
    }

    [Fact]
    public async Task Ctrl_C_mid_upload_aborts_the_upload_exits_1_and_the_next_run_completes()
    {
        var layer = bed.Large.Platforms.Values.Single().LayerDigests[0];
        var mirror = SyncBed.Mirror(_s3, "interrupted");
        var key = mirror.Url.BlobKey(layer);
        var mark = bed.S3.AccessLog.Mark();
        string[] arguments = [.. bed.SyncArguments(["interrupted"]), "--parallel", "1"];

        await using (var first = GeranosProcess.Start(arguments, SyncBed.S3Environment))
        {
            await bed.S3.WaitForAsync(mark, entries => entries.Any(e => e.Method == "PUT" && Uri.UnescapeDataString(e.Path).EndsWith(key, StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
            first.Signal("INT");

            Assert.Equal(1, await first.WaitForExitAsync());
            Assert.Contains("interrupted", first.StandardError, StringComparison.Ordinal);
        }

        // The upload was aborted (s3rver answers the DELETE with 405, but it was sent), and nothing is visible.
        await bed.S3.WaitForAsync(mark, entries => entries.Any(e => e.Method == "DELETE" && Uri.UnescapeDataString(e.Path).EndsWith(key, StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        Assert.Null(await mirror.HeadBlobAsync(layer, default));

        var (exit, _, error) = await GeranosProcess.RunAsync(arguments, SyncBed.S3Environment);

        Assert.True(exit == 0, error);
        Assert.Empty((await new MirrorVerifier().VerifyAsync(mirror, deep: true, parallel: 2, null, default)).Problems);
        Assert.Equal(bed.AllBlobs.Count, (await mirror.ListBlobsAsync(default)).Count);
    }
}
