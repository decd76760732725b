using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Archeio.TestBed;

/// <summary>Writes the files of one OCI image layout: blobs by digest, then <c>oci-layout</c> and <c>index.json</c>.</summary>
internal sealed class OciLayoutWriter
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _blobs;
    private readonly List<string> _written = [];
    private readonly Dictionary<string, long> _sizes = [];

    public OciLayoutWriter(string directory)
    {
        LayoutDirectory = Path.GetFullPath(directory);
        if (File.Exists(Path.Combine(LayoutDirectory, "index.json")))
        {
            throw new InvalidOperationException($"{LayoutDirectory} already holds an OCI layout");
        }

        _blobs = Path.Combine(LayoutDirectory, "blobs", "sha256");
        Directory.CreateDirectory(_blobs);
    }

    public string LayoutDirectory { get; }

    /// <summary>Configs and layers written so far, in order, without duplicates.</summary>
    public IReadOnlyList<string> Blobs => _written;

    public IReadOnlyDictionary<string, long> BlobSizes => _sizes;

    public static string Digest(ReadOnlySpan<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));

    public static byte[] Serialize(JsonNode node) => Encoding.UTF8.GetBytes(node.ToJsonString(Json));

    public static JsonObject ToJson(OciDescriptor descriptor) => new()
    {
        ["mediaType"] = descriptor.MediaType,
        ["digest"] = descriptor.Digest,
        ["size"] = descriptor.Size,
    };

    /// <summary>Writes a manifest or index: not counted among <see cref="Blobs"/>.</summary>
    public async Task<OciDescriptor> WriteManifestAsync(string mediaType, JsonNode manifest)
    {
        var content = Serialize(manifest);
        var digest = Digest(content);
        await File.WriteAllBytesAsync(BlobPath(digest), content);
        return new OciDescriptor(mediaType, digest, content.Length);
    }

    /// <summary>Writes a config or layer blob.</summary>
    public async Task<OciDescriptor> WriteBlobAsync(string mediaType, byte[] content)
    {
        var digest = Digest(content);
        await File.WriteAllBytesAsync(BlobPath(digest), content);
        return Record(new OciDescriptor(mediaType, digest, content.Length));
    }

    /// <summary>Writes a blob produced by <paramref name="write"/>, hashing it on the way to disk.</summary>
    public async Task<OciDescriptor> WriteBlobAsync(string mediaType, Func<Stream, Task> write)
    {
        var temporary = Path.Combine(_blobs, ".writing-" + Guid.NewGuid().ToString("N"));
        using var sha256 = SHA256.Create();
        long size;
        await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            await using (var hashing = new CryptoStream(file, sha256, CryptoStreamMode.Write, leaveOpen: true))
            {
                await write(hashing);
            }

            size = file.Length;
        }

        var digest = "sha256:" + Convert.ToHexStringLower(sha256.Hash!);
        File.Move(temporary, BlobPath(digest), overwrite: true);
        return Record(new OciDescriptor(mediaType, digest, size));
    }

    /// <summary>Writes <c>oci-layout</c> and an <c>index.json</c> naming <paramref name="top"/> by <paramref name="tag"/>.</summary>
    public async Task WriteIndexAsync(OciDescriptor top, string tag)
    {
        await File.WriteAllTextAsync(Path.Combine(LayoutDirectory, "oci-layout"), """{"imageLayoutVersion":"1.0.0"}""");
        var entry = ToJson(top);
        entry["annotations"] = new JsonObject { ["org.opencontainers.image.ref.name"] = tag };
        var index = new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = OciMediaTypes.ImageIndex,
            ["manifests"] = new JsonArray(entry),
        };
        await File.WriteAllBytesAsync(Path.Combine(LayoutDirectory, "index.json"), Serialize(index));
    }

    private string BlobPath(string digest) => Path.Combine(_blobs, digest["sha256:".Length..]);

    private OciDescriptor Record(OciDescriptor descriptor)
    {
        if (_sizes.TryAdd(descriptor.Digest, descriptor.Size))
        {
            _written.Add(descriptor.Digest);
        }

        return descriptor;
    }
}
