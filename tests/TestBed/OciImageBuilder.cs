using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Archeio.TestBed;

/// <summary>
/// Writes test images as OCI image layouts (oci-layout, index.json, blobs/sha256/…), in code and offline.
/// Layers are real tar archives, so podman and containerd can unpack them. The same seed and variant
/// give the same bytes (and digests) on every call; a different seed or variant gives a different image.
/// </summary>
internal static class OciImageBuilder
{
    public const long LargeLayerBytes = 64L << 20;

    private const string Created = "2024-01-01T00:00:00Z";
    private static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A linux/amd64 image with three small gzip layers.</summary>
    public static async Task<BuiltImage> BuildSinglePlatformAsync(string layoutDirectory, string tag, int seed, string variant = "")
    {
        var writer = new OciLayoutWriter(layoutDirectory);
        var (manifest, image) = await WritePlatformAsync(writer, "amd64", null, seed, variant, "single", layerCount: 3);
        await writer.WriteIndexAsync(manifest, tag);
        return Result(writer, tag, manifest, [], [image]);
    }

    /// <summary>An image index for linux/amd64 and linux/arm64/v8, each with its own config and two small gzip layers.</summary>
    public static async Task<BuiltImage> BuildMultiPlatformAsync(string layoutDirectory, string tag, int seed, string variant = "")
    {
        var writer = new OciLayoutWriter(layoutDirectory);
        var (amd64, amd64Image) = await WritePlatformAsync(writer, "amd64", null, seed, variant, "multi-amd64", layerCount: 2);
        var (arm64, arm64Image) = await WritePlatformAsync(writer, "arm64", "v8", seed, variant, "multi-arm64", layerCount: 2);
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciMediaTypes.ImageIndex,
            ["manifests"] = new JsonArray(
                WithPlatform(amd64, "amd64", null),
                WithPlatform(arm64, "arm64", "v8")),
        };
        var top = await writer.WriteManifestAsync(OciMediaTypes.ImageIndex, index);
        await writer.WriteIndexAsync(top, tag);
        return Result(writer, tag, top, [amd64.Digest, arm64.Digest], [amd64Image, arm64Image]);
    }

    /// <summary>
    /// A linux/amd64 image with one uncompressed layer: a tar holding one file of
    /// <paramref name="layerBytes"/> random bytes, written streaming.
    /// </summary>
    public static async Task<BuiltImage> BuildLargeAsync(string layoutDirectory, string tag, int seed, string variant = "", long layerBytes = LargeLayerBytes)
    {
        var writer = new OciLayoutWriter(layoutDirectory);
        var contentSeed = DeriveSeed(seed, variant, "large");
        var layer = await writer.WriteBlobAsync(OciMediaTypes.Layer, async stream =>
        {
            await using var tar = new TarWriter(stream, TarEntryFormat.Ustar, leaveOpen: true);
            await tar.WriteEntryAsync(DirectoryEntry("archeio/"));
            await using var data = new RandomContentStream(layerBytes, contentSeed);
            await tar.WriteEntryAsync(FileEntry("archeio/large.bin", data));
        });
        var (manifest, image) = await WritePlatformManifestAsync(writer, "amd64", null, [(layer, layer.Digest)], "large");
        await writer.WriteIndexAsync(manifest, tag);
        return Result(writer, tag, manifest, [], [image]);
    }

    /// <summary>
    /// A cosign-style signature of <paramref name="subjectDigest"/>: one tiny layer, the simple-signing
    /// JSON payload (<see cref="OciMediaTypes.CosignSimpleSigning"/>, not a tar) with a made-up signature
    /// annotation, tagged <c>sha256-&lt;hex&gt;.sig</c> unless <paramref name="tag"/> says otherwise.
    /// </summary>
    public static async Task<BuiltImage> BuildSignatureAsync(string layoutDirectory, string subjectDigest, int seed, string variant = "", string? tag = null, string dockerReference = "127.0.0.1/archeio/test")
    {
        if (!subjectDigest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            throw new ArgumentException("a sha256 digest", nameof(subjectDigest));
        }

        var writer = new OciLayoutWriter(layoutDirectory);
        var payload = OciLayoutWriter.Serialize(new JsonObject
        {
            ["critical"] = new JsonObject
            {
                ["identity"] = new JsonObject { ["docker-reference"] = dockerReference },
                ["image"] = new JsonObject { ["docker-manifest-digest"] = subjectDigest },
                ["type"] = "cosign container image signature",
            },
            ["optional"] = new JsonObject { ["archeio-variant"] = variant, ["archeio-seed"] = seed },
        });
        var layer = await writer.WriteBlobAsync(OciMediaTypes.CosignSimpleSigning, payload);
        var signature = RandomBytes(DeriveSeed(seed, variant, "signature"), 71);
        var config = new JsonObject
        {
            ["architecture"] = string.Empty,
            ["created"] = "0001-01-01T00:00:00Z",
            ["history"] = new JsonArray(new JsonObject { ["created"] = "0001-01-01T00:00:00Z" }),
            ["os"] = string.Empty,
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(layer.Digest) },
            ["config"] = new JsonObject(),
        };
        var configDescriptor = await writer.WriteBlobAsync(OciMediaTypes.ImageConfig, OciLayoutWriter.Serialize(config));
        var layerJson = OciLayoutWriter.ToJson(layer);
        layerJson["annotations"] = new JsonObject { ["dev.cosignproject.cosign/signature"] = Convert.ToBase64String(signature) };
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciMediaTypes.ImageManifest,
            ["config"] = OciLayoutWriter.ToJson(configDescriptor),
            ["layers"] = new JsonArray(layerJson),
        };
        var top = await writer.WriteManifestAsync(OciMediaTypes.ImageManifest, manifest);
        tag ??= "sha256-" + subjectDigest["sha256:".Length..] + ".sig";
        await writer.WriteIndexAsync(top, tag);
        var image = new PlatformImage("/", top.Digest, top.Size, configDescriptor.Digest, [layer.Digest], [layer.Digest]);
        return Result(writer, tag, top, [], [image]);
    }

    private static async Task<(OciDescriptor Manifest, PlatformImage Image)> WritePlatformAsync(
        OciLayoutWriter writer, string architecture, string? architectureVariant, int seed, string variant, string kind, int layerCount)
    {
        var layers = new List<(OciDescriptor Layer, string DiffId)>();
        for (var i = 1; i <= layerCount; i++)
        {
            var (tar, diffId) = SmallLayer(seed, variant, kind, i);
            layers.Add((await writer.WriteBlobAsync(OciMediaTypes.GzipLayer, Gzip(tar)), diffId));
        }

        return await WritePlatformManifestAsync(writer, architecture, architectureVariant, layers, kind);
    }

    private static async Task<(OciDescriptor Manifest, PlatformImage Image)> WritePlatformManifestAsync(
        OciLayoutWriter writer, string architecture, string? architectureVariant, IReadOnlyList<(OciDescriptor Layer, string DiffId)> layers, string kind)
    {
        var config = new JsonObject
        {
            ["created"] = Created,
            ["architecture"] = architecture,
        };
        if (architectureVariant is not null)
        {
            config["variant"] = architectureVariant;
        }

        config["os"] = "linux";
        config["config"] = new JsonObject();
        config["rootfs"] = new JsonObject
        {
            ["type"] = "layers",
            ["diff_ids"] = new JsonArray([.. layers.Select(l => JsonValue.Create(l.DiffId))]),
        };
        config["history"] = new JsonArray([.. layers.Select((_, i) => new JsonObject
        {
            ["created"] = Created,
            ["created_by"] = $"archeio test bed: {kind} layer {i + 1}",
        })]);
        var configDescriptor = await writer.WriteBlobAsync(OciMediaTypes.ImageConfig, OciLayoutWriter.Serialize(config));
        var manifest = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciMediaTypes.ImageManifest,
            ["config"] = OciLayoutWriter.ToJson(configDescriptor),
            ["layers"] = new JsonArray([.. layers.Select(l => OciLayoutWriter.ToJson(l.Layer))]),
        };
        var descriptor = await writer.WriteManifestAsync(OciMediaTypes.ImageManifest, manifest);
        var platform = "linux/" + architecture + (architectureVariant is null ? string.Empty : "/" + architectureVariant);
        var image = new PlatformImage(
            platform, descriptor.Digest, descriptor.Size, configDescriptor.Digest, [.. layers.Select(l => l.Layer.Digest)], [.. layers.Select(l => l.DiffId)]);
        return (descriptor, image);
    }

    private static JsonObject WithPlatform(OciDescriptor manifest, string architecture, string? architectureVariant)
    {
        var platform = new JsonObject { ["architecture"] = architecture, ["os"] = "linux" };
        if (architectureVariant is not null)
        {
            platform["variant"] = architectureVariant;
        }

        var entry = OciLayoutWriter.ToJson(manifest);
        entry["platform"] = platform;
        return entry;
    }

    private static BuiltImage Result(OciLayoutWriter writer, string tag, OciDescriptor top, IReadOnlyList<string> children, IReadOnlyList<PlatformImage> platforms)
        => new(writer.LayoutDirectory, tag, top.Digest, top.MediaType, top.Size, [.. writer.Blobs], children, platforms.ToDictionary(p => p.Platform), writer.BlobSizes.ToDictionary());

    /// <summary>An uncompressed tar with a text file and a few KiB of random bytes, and its digest.</summary>
    private static (byte[] Tar, string DiffId) SmallLayer(int seed, string variant, string kind, int index)
    {
        var name = $"archeio/{kind}-layer-{index}";
        var layerSeed = DeriveSeed(seed, variant, name);
        var text = Encoding.UTF8.GetBytes($"archeio test bed: {kind} layer {index}, seed {seed}, variant '{variant}'\n");
        var random = RandomBytes(layerSeed, 4096 + (int)((uint)layerSeed % 4096));
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(DirectoryEntry("archeio/"));
            using var textStream = new MemoryStream(text);
            writer.WriteEntry(FileEntry(name + ".txt", textStream));
            using var randomStream = new MemoryStream(random);
            writer.WriteEntry(FileEntry(name + ".bin", randomStream));
        }

        var bytes = tar.ToArray();
        return (bytes, OciLayoutWriter.Digest(bytes));
    }

    private static byte[] Gzip(byte[] content)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(content);
        }

        return compressed.ToArray();
    }

    private static UstarTarEntry DirectoryEntry(string name) => new(TarEntryType.Directory, name)
    {
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
        ModificationTime = Epoch,
        Uid = 0,
        Gid = 0,
    };

    private static UstarTarEntry FileEntry(string name, Stream data) => new(TarEntryType.RegularFile, name)
    {
        Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        ModificationTime = Epoch,
        Uid = 0,
        Gid = 0,
        DataStream = data,
    };

    private static byte[] RandomBytes(int seed, int count)
    {
        var bytes = new byte[count];
#pragma warning disable CA5394 // Test content, not security.
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }

    /// <summary>A seed from the caller's seed and variant and the content's purpose, stable across runs (unlike string.GetHashCode).</summary>
    private static int DeriveSeed(int seed, string variant, string purpose)
        => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}\n{variant}\n{purpose}")), 0);
}
