using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Geranos.Tests.Security;

/// <summary>
/// An OCI distribution source for one repository (<see cref="Repository"/>) on a <see cref="HostileSource"/>: tags,
/// manifests (HEAD and GET, with <c>Docker-Content-Digest</c>), an empty referrers index, and blobs, each blob answered
/// honestly unless a test scripts its body (<see cref="BlobBodies"/>) or a manifest's digest header is made to lie.
/// </summary>
internal sealed class HostileRegistry : IAsyncDisposable
{
    public const string Repository = "hostile/app";
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string Schema1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";
    private const string Prefix = "/v2/" + Repository + "/";

    private readonly HostileSource _source;

    public HostileRegistry() => _source = HostileSource.Start(ServeAsync);

    public Uri BaseUri => _source.BaseUri;

    public IReadOnlyCollection<HostileRequest> Requests => _source.Requests;

    public ConcurrentDictionary<string, byte[]> Blobs { get; } = new(StringComparer.Ordinal);

    /// <summary>Blob digest → how its body is sent (default: honestly).</summary>
    public ConcurrentDictionary<string, Func<Stream, byte[], CancellationToken, Task>> BlobBodies { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, (string MediaType, byte[] Bytes)> Manifests { get; } = new(StringComparer.Ordinal);

    /// <summary>Tag → manifest digest.</summary>
    public ConcurrentDictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    /// <summary>Reference → the <c>Docker-Content-Digest</c> a HEAD answers instead of the true one (null: none at all).</summary>
    public ConcurrentDictionary<string, string?> HeadDigests { get; } = new(StringComparer.Ordinal);

    /// <summary>Reference → the <c>Docker-Content-Digest</c> a GET answers instead of the true one.</summary>
    public ConcurrentDictionary<string, string> GetDigests { get; } = new(StringComparer.Ordinal);

    /// <summary>Subject digest → the digests its referrers index lists (default: none).</summary>
    public ConcurrentDictionary<string, string[]> Referrers { get; } = new(StringComparer.Ordinal);

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public string AddBlob(byte[] content)
    {
        var digest = Sha256(content);
        Blobs[digest] = content;
        return digest;
    }

    public string AddManifest(string mediaType, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = Sha256(bytes);
        Manifests[digest] = (mediaType, bytes);
        return digest;
    }

    /// <summary>An OCI image manifest tagged <paramref name="tag"/> with a config of its own and these layers (digest, size).</summary>
    public string AddImage(string tag, params (string Digest, long Size)[] layers)
    {
        var config = AddBlob(Encoding.UTF8.GetBytes($$"""{"architecture":"amd64","os":"linux","tag":"{{tag}}"}"""));
        var descriptors = string.Join(',', layers.Select(l => Descriptor("application/vnd.oci.image.layer.v1.tar", l.Digest, l.Size)));
        var digest = AddManifest(
            OciManifest,
            $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","config":{{Descriptor("application/vnd.oci.image.config.v1+json", config, Blobs[config].Length)}},"layers":[{{descriptors}}]}""");
        Tags[tag] = digest;
        return digest;
    }

    public static string Descriptor(string mediaType, string digest, long size)
        => string.Create(CultureInfo.InvariantCulture, $$"""{"mediaType":"{{mediaType}}","digest":"{{Escape(digest)}}","size":{{size}}}""");

    public ValueTask DisposeAsync() => _source.DisposeAsync();

    /// <summary>A JSON string's content: hostile digests may hold quotes or backslashes.</summary>
    private static string Escape(string value) => System.Text.Json.JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString();

    private async Task ServeAsync(HostileRequest request, Stream stream, CancellationToken ct)
    {
        var path = request.Target.Split('?')[0];
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            await HostileSource.WriteNotFoundAsync(stream, ct);
            return;
        }

        var rest = path[Prefix.Length..];
        if (rest == "tags/list")
        {
            var tags = string.Join(',', Tags.Keys.Order(StringComparer.Ordinal).Select(t => "\"" + Escape(t) + "\""));
            await HostileSource.WriteCompleteAsync(stream, request, "application/json", Encoding.UTF8.GetBytes($$"""{"name":"{{Repository}}","tags":[{{tags}}]}"""), ct);
        }
        else if (rest.StartsWith("manifests/", StringComparison.Ordinal))
        {
            await ServeManifestAsync(request, stream, rest["manifests/".Length..], ct);
        }
        else if (rest.StartsWith("referrers/", StringComparison.Ordinal))
        {
            var entries = Referrers.GetValueOrDefault(rest["referrers/".Length..]) ?? [];
            var manifests = string.Join(',', entries.Select(d => Descriptor(OciManifest, d, 2)));
            await HostileSource.WriteCompleteAsync(stream, request, OciIndex, Encoding.UTF8.GetBytes($$"""{"schemaVersion":2,"mediaType":"{{OciIndex}}","manifests":[{{manifests}}]}"""), ct);
        }
        else if (rest.StartsWith("blobs/", StringComparison.Ordinal) && Blobs.TryGetValue(rest["blobs/".Length..], out var blob))
        {
            if (BlobBodies.TryGetValue(rest["blobs/".Length..], out var body))
            {
                await body(stream, blob, ct);
            }
            else
            {
                await HostileSource.WriteCompleteAsync(stream, request, "application/octet-stream", blob, ct);
            }
        }
        else
        {
            await HostileSource.WriteNotFoundAsync(stream, ct);
        }
    }

    private async Task ServeManifestAsync(HostileRequest request, Stream stream, string reference, CancellationToken ct)
    {
        var digest = Tags.GetValueOrDefault(reference, reference);
        if (!Manifests.TryGetValue(digest, out var manifest))
        {
            await HostileSource.WriteNotFoundAsync(stream, ct);
            return;
        }

        string? header = digest;
        if (request.Method == "HEAD" && HeadDigests.TryGetValue(reference, out var head))
        {
            header = head;
        }
        else if (request.Method == "GET" && GetDigests.TryGetValue(reference, out var get))
        {
            header = get;
        }

        (string, string)[] extra = header is null ? [] : [("Docker-Content-Digest", header)];
        await HostileSource.WriteCompleteAsync(stream, request, manifest.MediaType, manifest.Bytes, ct, extra);
    }
}
