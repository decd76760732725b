using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Archeio.Oci.Digests;
using Archeio.Oci.MediaTypes;

namespace Geranos.Destination;

/// <summary>
/// Whether some bytes may be stored as manifest object <c>containers/manifests/&lt;digest&gt;</c>: their media type is a
/// manifest media type (it becomes the object's <c>Content-Type</c>, which clients and caches act on), and they are
/// the manifest the digest names, i.e. what a client that fetched it by digest accepts
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
/// </summary>
internal static class ManifestContent
{
    /// <summary>The OCI 1.1 release candidates' artifact manifest: never in the final spec, but registries still serve it.</summary>
    public const string OciArtifactManifest = "application/vnd.oci.artifact.manifest.v1+json";

    /// <summary>Registries refuse larger manifests (Distribution: 4 MiB); a larger object is not one of ours.</summary>
    public const int MaxSize = 4 * 1024 * 1024;

    private static readonly HashSet<string> MediaTypes = new([.. ManifestMediaTypes.All, OciArtifactManifest], StringComparer.Ordinal);

    public static bool IsManifestMediaType([NotNullWhen(true)] string? mediaType) => mediaType is not null && MediaTypes.Contains(mediaType);

    /// <summary>Null if <paramref name="bytes"/> may be stored as manifest <paramref name="digest"/> of <paramref name="mediaType"/>; else what is wrong.</summary>
    public static string? Verify(string digest, string mediaType, ReadOnlyMemory<byte> bytes)
    {
        if (!Digest.IsVerifiable(digest))
        {
            return "not a sha256 or sha512 digest in canonical form";
        }

        if (!IsManifestMediaType(mediaType))
        {
            return $"media type {(mediaType.Length > 100 ? mediaType[..100] + "…" : mediaType)} is not a manifest media type";
        }

        if (bytes.Length > MaxSize)
        {
            return $"larger than {MaxSize} bytes";
        }

        var actual = Digest.Of(digest, bytes.Span);
        if (actual == digest)
        {
            return null;
        }

        // A signed schema 1 manifest's digest is over its JWS payload, the manifest without its signatures
        // (https://distribution.github.io/distribution/spec/manifest-v2-1/#signed-manifests); that is what Docker checks
        // when it pulls one by digest, and what Distribution's Docker-Content-Digest names.
        if (mediaType == ManifestMediaTypes.DockerSchema1Signed && JwsPayload(bytes) is { } payload && Digest.Of(digest, payload) == digest)
        {
            return null;
        }

        return $"digest mismatch: content is {actual}";
    }

    /// <summary>
    /// The payload of a libtrust "pretty" JWS (Docker schema 1 signed manifests): the first <c>formatLength</c> bytes
    /// followed by the base64url-decoded <c>formatTail</c>, both from each signature's <c>protected</c> header, which
    /// must all agree (github.com/docker/libtrust jsonsign.go, ParsePrettySignature). Null if the bytes are not one.
    /// </summary>
    internal static byte[]? JwsPayload(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            using var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("signatures", out var signatures)
                || signatures.ValueKind != JsonValueKind.Array
                || signatures.GetArrayLength() == 0)
            {
                return null;
            }

            byte[]? payload = null;
            foreach (var signature in signatures.EnumerateArray())
            {
                if (signature.ValueKind != JsonValueKind.Object
                    || !signature.TryGetProperty("protected", out var protectedHeader)
                    || protectedHeader.GetString() is not { } encoded)
                {
                    return null;
                }

                using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(encoded));
                if (!header.RootElement.TryGetProperty("formatLength", out var lengthElement)
                    || !lengthElement.TryGetInt32(out var length)
                    || length < 0
                    || length > bytes.Length
                    || !header.RootElement.TryGetProperty("formatTail", out var tailElement)
                    || tailElement.GetString() is not { } tail)
                {
                    return null;
                }

                byte[] candidate = [.. bytes.Span[..length], .. Base64Url.DecodeFromChars(tail)];
                if (payload is not null && !payload.AsSpan().SequenceEqual(candidate))
                {
                    return null;
                }

                payload = candidate;
            }

            return payload;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return null;
        }
    }
}
