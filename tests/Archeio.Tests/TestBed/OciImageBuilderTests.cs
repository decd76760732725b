using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

public sealed class OciImageBuilderTests : IDisposable
{
    private readonly TempDirectory _directory = new("oci-builder");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Single_platform_image_is_a_layout_umoci_reads_and_unpacks()
    {
        Tools.Require("umoci");
        var image = await OciImageBuilder.BuildSinglePlatformAsync(_directory.Combine("single"), "v1", seed: 1);

        Assert.Equal(OciMediaTypes.ImageManifest, image.MediaType);
        Assert.Empty(image.ChildManifestDigests);
        var platform = Assert.Single(image.Platforms).Value;
        Assert.Equal("linux/amd64", platform.Platform);
        Assert.Equal(image.Digest, platform.ManifestDigest);
        Assert.Equal(3, platform.LayerDigests.Count);
        Assert.Equal(3, platform.LayerDigests.Distinct().Count());
        Assert.Equal(platform.LayerDigests.Append(platform.ConfigDigest).Order(), image.BlobDigests.Order());
        AssertLayoutConsistent(image);

        var stat = await Commands.RunAsync("umoci", ["stat", "--image", image.LayoutReference], TimeSpan.FromSeconds(30));
        stat.EnsureSuccess();
        var bundle = _directory.Combine("bundle");
        (await Commands.RunAsync("umoci", ["unpack", "--image", image.LayoutReference, bundle], TimeSpan.FromSeconds(60))).EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(bundle, "rootfs", "archeio", "single-layer-3.txt")));
    }

    [Fact]
    public async Task Multi_platform_image_is_an_index_of_two_platforms()
    {
        var image = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("multi"), "multi", seed: 2);

        Assert.True(image.IsIndex);
        Assert.Equal(["linux/amd64", "linux/arm64/v8"], image.Platforms.Keys.Order());
        Assert.Equal(image.Platforms.Values.Select(p => p.ManifestDigest), image.ChildManifestDigests);
        Assert.Equal(6, image.BlobDigests.Count);
        Assert.All(image.Platforms.Values, p => Assert.Equal(2, p.LayerDigests.Count));
        AssertLayoutConsistent(image);

        using var index = JsonDocument.Parse(await File.ReadAllBytesAsync(image.BlobPath(image.Digest)));
        var platforms = index.RootElement.GetProperty("manifests").EnumerateArray()
            .Select(m => m.GetProperty("platform").GetProperty("os").GetString() + "/" + m.GetProperty("platform").GetProperty("architecture").GetString())
            .ToList();
        Assert.Equal(["linux/amd64", "linux/arm64"], platforms);
    }

    [Fact]
    public async Task Large_image_has_one_uncompressed_layer_of_at_least_64_MiB()
    {
        var image = await OciImageBuilder.BuildLargeAsync(_directory.Combine("large"), "large", seed: 3);

        var layer = Assert.Single(image.SinglePlatform.LayerDigests);
        Assert.True(image.BlobSizes[layer] >= OciImageBuilder.LargeLayerBytes);
        Assert.True(new FileInfo(image.BlobPath(layer)).Length >= OciImageBuilder.LargeLayerBytes);
        Assert.Equal(layer, Assert.Single(image.SinglePlatform.DiffIds));
        AssertLayoutConsistent(image);

        await using var tar = new TarReader(File.OpenRead(image.BlobPath(layer)));
        TarEntry? entry;
        long largest = 0;
        while ((entry = await tar.GetNextEntryAsync()) is not null)
        {
            largest = Math.Max(largest, entry.Length);
        }

        Assert.Equal(OciImageBuilder.LargeLayerBytes, largest);
    }

    [Fact]
    public async Task Signature_image_is_tagged_after_its_subject()
    {
        var subject = await OciImageBuilder.BuildSinglePlatformAsync(_directory.Combine("subject"), "v1", seed: 4);
        var signature = await OciImageBuilder.BuildSignatureAsync(_directory.Combine("sig"), subject.Digest, seed: 4);

        Assert.Equal("sha256-" + subject.Digest["sha256:".Length..] + ".sig", signature.Tag);
        Assert.Equal(2, signature.BlobDigests.Count);
        AssertLayoutConsistent(signature);
        using var manifest = JsonDocument.Parse(await File.ReadAllBytesAsync(signature.BlobPath(signature.Digest)));
        var layer = Assert.Single(manifest.RootElement.GetProperty("layers").EnumerateArray().ToList());
        Assert.Equal(OciMediaTypes.CosignSimpleSigning, layer.GetProperty("mediaType").GetString());
        Assert.Contains(subject.Digest, await File.ReadAllTextAsync(signature.BlobPath(layer.GetProperty("digest").GetString()!)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_seed_and_variant_give_the_same_image_and_others_differ()
    {
        var first = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("a"), "t", seed: 5, variant: "x");
        var again = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("b"), "t", seed: 5, variant: "x");
        var otherVariant = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("c"), "t", seed: 5, variant: "y");
        var otherSeed = await OciImageBuilder.BuildMultiPlatformAsync(_directory.Combine("d"), "t", seed: 6, variant: "x");

        Assert.Equal(first.Digest, again.Digest);
        Assert.Equal(first.BlobDigests, again.BlobDigests);
        Assert.Empty(first.BlobDigests.Intersect(otherVariant.BlobDigests));
        Assert.Empty(first.BlobDigests.Intersect(otherSeed.BlobDigests));
        Assert.NotEqual(first.Digest, otherVariant.Digest);
        Assert.NotEqual(first.Digest, otherSeed.Digest);
    }

    [Fact]
    public async Task A_layout_is_written_once()
    {
        await OciImageBuilder.BuildSinglePlatformAsync(_directory.Combine("once"), "v1", seed: 7);
        await Assert.ThrowsAsync<InvalidOperationException>(() => OciImageBuilder.BuildSinglePlatformAsync(_directory.Combine("once"), "v2", seed: 7));
    }

    /// <summary>Every file is named by its digest, index.json names the tag, manifests name the recorded blobs, diff_ids match.</summary>
    private static void AssertLayoutConsistent(BuiltImage image)
    {
        Assert.Equal("""{"imageLayoutVersion":"1.0.0"}""", File.ReadAllText(Path.Combine(image.LayoutDirectory, "oci-layout")));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(image.LayoutDirectory, "blobs", "sha256")))
        {
            using var stream = File.OpenRead(file);
            Assert.Equal(Path.GetFileName(file), Convert.ToHexStringLower(SHA256.HashData(stream)));
        }

        foreach (var digest in image.BlobDigests)
        {
            Assert.Equal(image.BlobSizes[digest], new FileInfo(image.BlobPath(digest)).Length);
        }

        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(image.LayoutDirectory, "index.json")));
        var top = Assert.Single(index.RootElement.GetProperty("manifests").EnumerateArray().ToList());
        Assert.Equal(image.Digest, top.GetProperty("digest").GetString());
        Assert.Equal(image.MediaType, top.GetProperty("mediaType").GetString());
        Assert.Equal(image.Size, top.GetProperty("size").GetInt64());
        Assert.Equal(image.Tag, top.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString());

        var referenced = new List<string>();
        foreach (var platform in image.Platforms.Values)
        {
            using var manifest = JsonDocument.Parse(File.ReadAllBytes(image.BlobPath(platform.ManifestDigest)));
            Assert.Equal(platform.ManifestSize, new FileInfo(image.BlobPath(platform.ManifestDigest)).Length);
            Assert.Equal(platform.ConfigDigest, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
            var layers = manifest.RootElement.GetProperty("layers").EnumerateArray().ToList();
            Assert.Equal(platform.LayerDigests, layers.Select(l => l.GetProperty("digest").GetString()));
            foreach (var layer in layers)
            {
                Assert.Equal(image.BlobSizes[layer.GetProperty("digest").GetString()!], layer.GetProperty("size").GetInt64());
            }

            using var config = JsonDocument.Parse(File.ReadAllBytes(image.BlobPath(platform.ConfigDigest)));
            var diffIds = config.RootElement.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()!).ToList();
            Assert.Equal(platform.DiffIds, diffIds);
            for (var i = 0; i < layers.Count; i++)
            {
                Assert.Equal(diffIds[i], UncompressedDigest(image.BlobPath(platform.LayerDigests[i]), layers[i].GetProperty("mediaType").GetString()!));
            }

            referenced.AddRange([platform.ConfigDigest, .. platform.LayerDigests]);
        }

        Assert.Equal(referenced.Distinct().Order(), image.BlobDigests.Order());
    }

    private static string UncompressedDigest(string path, string mediaType)
    {
        using var file = File.OpenRead(path);
        using var content = mediaType.EndsWith("+gzip", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
    }
}
