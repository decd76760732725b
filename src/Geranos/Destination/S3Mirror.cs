using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Amazon.S3.Model;
using Archeio.Oci.Digests;
using Geranos.Destination.Json;

namespace Geranos.Destination;

/// <summary>
/// One destination bucket and prefix: listing what is there, manifest objects, markers, the inventories, and housekeeping.
/// Blob objects are written only by <see cref="VerifiedBlobCopier"/>, which verifies them first; manifest objects only by
/// <see cref="WriteManifestAsync"/>, which does too.
/// </summary>
internal sealed class S3Mirror
{
    /// <summary>Content-addressed objects never change: any cache may keep them for a year.</summary>
    public const string ImmutableCacheControl = "public, max-age=31536000, immutable";

    /// <summary>The inventory is rewritten by every sync: caches must revalidate it.</summary>
    public const string MutableCacheControl = "no-cache";

    public const string BlobContentType = "application/octet-stream";

    private const string InventoryContentType = "text/plain";
    private const string MarkerContentType = "application/json";

    public S3Mirror(IAmazonS3 s3, DestinationUrl url)
    {
        ArgumentNullException.ThrowIfNull(s3);
        ArgumentNullException.ThrowIfNull(url);
        Client = s3;
        Url = url;
    }

    public DestinationUrl Url { get; }

    public IAmazonS3 Client { get; }

    /// <summary>Keys per ListObjectsV2 page; null takes the store's default (1000 on S3).</summary>
    public int? ListPageSize { get; init; }

    /// <summary>Digest → size of every object under <c>containers/images/</c> whose name is a valid digest.</summary>
    public async Task<IReadOnlyDictionary<string, long>> ListBlobsAsync(CancellationToken ct)
    {
        var blobs = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var stored in await ListObjectsAsync(Url.BlobPrefix, ct).ConfigureAwait(false))
        {
            var digest = stored.Key[Url.BlobPrefix.Length..];
            if (Digest.IsVerifiable(digest))
            {
                blobs[digest] = stored.Size;
            }
        }

        return blobs;
    }

    /// <summary>The digests of manifests that have a marker.</summary>
    public Task<IReadOnlySet<string>> ListMarkersAsync(CancellationToken ct) => ListDigestsAsync(Url.MarkerPrefix, ct);

    /// <summary>The digests of manifests that have an object under <c>containers/manifests/</c>.</summary>
    public Task<IReadOnlySet<string>> ListManifestsAsync(CancellationToken ct) => ListDigestsAsync(Url.ManifestPrefix, ct);

    /// <summary>
    /// Every object whose key starts with <paramref name="prefix"/> (a full key prefix, e.g. <see cref="DestinationUrl.BlobPrefix"/>),
    /// following ListObjectsV2 continuation tokens (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
    /// </summary>
    public async Task<IReadOnlyList<StoredObject>> ListObjectsAsync(string prefix, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var objects = new List<StoredObject>();
        var request = new ListObjectsV2Request { BucketName = Url.Bucket, Prefix = prefix, MaxKeys = ListPageSize };
        while (true)
        {
            var response = await Client.ListObjectsV2Async(request, ct).ConfigureAwait(false);
            foreach (var item in response.S3Objects ?? [])
            {
                objects.Add(new StoredObject(item.Key, item.Size ?? 0));
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                return objects;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <summary>The marker of manifest <paramref name="digest"/>; null if there is none.</summary>
    /// <exception cref="InvalidDataException">The object is not a marker of that manifest.</exception>
    public async Task<ManifestMarker?> ReadMarkerAsync(string digest, CancellationToken ct)
    {
        var key = Url.MarkerKey(digest);
        var bytes = await GetBytesAsync(key, ct).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        ManifestMarker? marker;
        try
        {
            marker = JsonSerializer.Deserialize(bytes, DestinationJsonContext.Default.ManifestMarker);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{key}: not a manifest marker: {e.Message}", e);
        }

        if (marker is null || marker.Digest != digest)
        {
            throw new InvalidDataException($"{key}: the marker names manifest {marker?.Digest ?? "(none)"}");
        }

        return marker;
    }

    public async Task WriteMarkerAsync(ManifestMarker marker, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(marker);

        // The digest is the key's last segment: anything but a digest (sha256:../../x) must never become a key.
        if (!Digest.IsVerifiable(marker.Digest))
        {
            throw new ArgumentException("a marker's digest must be a sha256 or sha512 digest", nameof(marker));
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(marker, DestinationJsonContext.Readable.ManifestMarker);
        await PutBytesAsync(Url.MarkerKey(marker.Digest), bytes, MarkerContentType, MutableCacheControl, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Stores manifest <paramref name="digest"/> at <see cref="DestinationUrl.ManifestKey"/>: exactly
    /// <paramref name="bytes"/>, with <paramref name="mediaType"/> as its <c>Content-Type</c> and immutable caching
    /// (the key is the content's digest). The bytes are checked (<see cref="ManifestContent.Verify"/>) right before
    /// the one <c>PutObject</c> that makes them visible, so no object appears under a digest its bytes are not.
    /// </summary>
    /// <exception cref="InvalidDataException">The bytes are not manifest <paramref name="digest"/>, or the media type is not a manifest's.</exception>
    public async Task WriteManifestAsync(string digest, string mediaType, ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(digest);
        ArgumentNullException.ThrowIfNull(mediaType);
        if (ManifestContent.Verify(digest, mediaType, bytes) is { } problem)
        {
            throw new InvalidDataException($"manifest {(Digest.IsVerifiable(digest) ? digest : "(not a digest)")} refused: {problem}");
        }

        await PutBytesAsync(Url.ManifestKey(digest), bytes, mediaType, ImmutableCacheControl, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Manifest object <paramref name="digest"/>'s bytes (at most <see cref="ManifestContent.MaxSize"/> and one more:
    /// a longer object is cut there) and <c>Content-Type</c>; null if there is none.
    /// </summary>
    public async Task<(byte[] Bytes, string? ContentType)?> ReadManifestAsync(string digest, CancellationToken ct)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Url.Bucket, Url.ManifestKey(digest), ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while (buffer.Length <= ManifestContent.MaxSize
                && (read = await response.ResponseStream.ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, ManifestContent.MaxSize + 1 - buffer.Length)), ct).ConfigureAwait(false)) > 0)
            {
                buffer.Write(chunk, 0, read);
            }

            return (buffer.ToArray(), response.Headers.ContentType);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The digests of the (blob) inventory, one per non-empty line (its size, if the line has one, left out); null if there is no inventory.</summary>
    public Task<IReadOnlyList<string>?> ReadInventoryAsync(CancellationToken ct) => ReadDigestListAsync(Url.InventoryKey, ct);

    /// <summary>The digests of the manifest inventory; null if there is none.</summary>
    public Task<IReadOnlyList<string>?> ReadManifestInventoryAsync(CancellationToken ct) => ReadDigestListAsync(Url.ManifestInventoryKey, ct);

    /// <summary>
    /// Writes the (blob) inventory: distinct digests, sorted ordinally, one per line, each line ending in <c>\n</c>.
    /// Blobs only: Archeio reads it as "blobs present under <c>containers/images/</c>".
    /// </summary>
    public Task WriteInventoryAsync(IEnumerable<string> digests, CancellationToken ct) => WriteDigestListAsync(Url.InventoryKey, digests, ct);

    /// <summary>
    /// Writes the (blob) inventory with each blob's size: <c>&lt;digest&gt; &lt;size in bytes&gt;</c> per line, sorted by
    /// digest, so that Archeio counts the bytes it redirects clients to this mirror for without a HEAD (issue 19). Archeio
    /// servers before that read only digests and refuse the whole file (keeping their last good inventory).
    /// </summary>
    public async Task WriteInventoryAsync(IReadOnlyDictionary<string, long> blobs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        var text = new StringBuilder();
        foreach (var (digest, size) in blobs.OrderBy(b => b.Key, StringComparer.Ordinal))
        {
            text.Append(digest).Append(' ').Append(size.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        await PutBytesAsync(Url.InventoryKey, Encoding.UTF8.GetBytes(text.ToString()), InventoryContentType, MutableCacheControl, ct).ConfigureAwait(false);
    }

    /// <summary>Writes the manifest inventory, the manifests under <c>containers/manifests/</c>, in the inventory's format.</summary>
    public Task WriteManifestInventoryAsync(IEnumerable<string> digests, CancellationToken ct) => WriteDigestListAsync(Url.ManifestInventoryKey, digests, ct);

    /// <summary>The size of blob <paramref name="digest"/>'s object, or null when there is none.</summary>
    public async Task<long?> HeadBlobAsync(string digest, CancellationToken ct)
    {
        try
        {
            var response = await Client.GetObjectMetadataAsync(Url.Bucket, Url.BlobKey(digest), ct).ConfigureAwait(false);
            return response.ContentLength;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Aborts the multipart uploads under the blob prefix that began before <paramref name="initiatedBefore"/>: a copy
    /// that died (killed process, lost network) leaves its parts behind, billed but invisible
    /// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpu-abort-incomplete-mpu-lifecycle-config.html).
    /// Returns how many were aborted; 0 when the store cannot list uploads (s3rver answers 501 NotImplemented).
    /// </summary>
    public async Task<int> AbortStaleUploadsAsync(DateTimeOffset initiatedBefore, CancellationToken ct)
    {
        var stale = new List<(string Key, string UploadId)>();
        var request = new ListMultipartUploadsRequest { BucketName = Url.Bucket, Prefix = Url.BlobPrefix };
        try
        {
            while (true)
            {
                var response = await Client.ListMultipartUploadsAsync(request, ct).ConfigureAwait(false);
                foreach (var upload in response.MultipartUploads ?? [])
                {
                    if (upload.Initiated is { } initiated && new DateTimeOffset(initiated.ToUniversalTime(), TimeSpan.Zero) < initiatedBefore)
                    {
                        stale.Add((upload.Key, upload.UploadId));
                    }
                }

                if (response.IsTruncated != true)
                {
                    break;
                }

                request.KeyMarker = response.NextKeyMarker;
                request.UploadIdMarker = response.NextUploadIdMarker;
            }
        }
        catch (AmazonS3Exception e) when (IsUnsupported(e))
        {
            return 0;
        }

        var aborted = 0;
        foreach (var (key, uploadId) in stale)
        {
            try
            {
                await Client.AbortMultipartUploadAsync(Url.Bucket, key, uploadId, ct).ConfigureAwait(false);
                aborted++;
            }
            catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
            {
                // NoSuchUpload: it completed or was aborted meanwhile.
            }
        }

        return aborted;
    }

    /// <summary>NotImplemented (501) or MethodNotAllowed (405): the store lacks the operation.</summary>
    internal static bool IsUnsupported(AmazonS3Exception e)
        => e.StatusCode is HttpStatusCode.NotImplemented or HttpStatusCode.MethodNotAllowed
            || e.ErrorCode is "NotImplemented" or "MethodNotAllowed";

    private async Task<IReadOnlySet<string>> ListDigestsAsync(string prefix, CancellationToken ct)
    {
        var digests = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stored in await ListObjectsAsync(prefix, ct).ConfigureAwait(false))
        {
            var digest = stored.Key[prefix.Length..];
            if (Digest.IsVerifiable(digest))
            {
                digests.Add(digest);
            }
        }

        return digests;
    }

    private async Task<IReadOnlyList<string>?> ReadDigestListAsync(string key, CancellationToken ct)
    {
        var bytes = await GetBytesAsync(key, ct).ConfigureAwait(false);
        return bytes is null
            ? null
            : [.. Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(line => line.Split([' ', '\t'], 2)[0])];
    }

    private async Task WriteDigestListAsync(string key, IEnumerable<string> digests, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(digests);
        var text = new StringBuilder();
        foreach (var digest in digests.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append(digest).Append('\n');
        }

        await PutBytesAsync(key, Encoding.UTF8.GetBytes(text.ToString()), InventoryContentType, MutableCacheControl, ct).ConfigureAwait(false);
    }

    private async Task<byte[]?> GetBytesAsync(string key, CancellationToken ct)
    {
        try
        {
            using var response = await Client.GetObjectAsync(Url.Bucket, key, ct).ConfigureAwait(false);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, ct).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task PutBytesAsync(string key, ReadOnlyMemory<byte> bytes, string contentType, string cacheControl, CancellationToken ct)
    {
        using var body = MemoryMarshal.TryGetArray(bytes, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(bytes.ToArray(), writable: false);
        var request = new PutObjectRequest
        {
            BucketName = Url.Bucket,
            Key = key,
            InputStream = body,
            AutoCloseStream = false,
            ContentType = contentType,
            UseChunkEncoding = false,
        };
        request.Headers.CacheControl = cacheControl;
        await Client.PutObjectAsync(request, ct).ConfigureAwait(false);
    }
}
