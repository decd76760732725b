using System.Buffers;
using System.Globalization;
using Amazon.S3.Model;
using Archeio.Oci.Digests;

namespace Geranos.Destination;

/// <summary>
/// Copies one blob from a source stream to every target, reading the source once, and makes it visible only once its
/// digest and size are verified. A blob of at most one part is read into memory, checked, then written with one
/// PutObject per target. A larger one goes up as an S3 multipart upload per target
/// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html): parts are uploaded while the next is
/// read, the whole is hashed on the way, and CompleteMultipartUpload, the only step that makes an object appear,
/// is sent only after the last byte checked out; on any problem, exception or cancellation every upload is aborted.
/// Memory stays at two part buffers per copy, rented from <see cref="ArrayPool{T}.Shared"/>.
/// </summary>
internal sealed class VerifiedBlobCopier
{
    public const int DefaultPartSize = 16 * 1024 * 1024;

    /// <summary>S3's smallest part, except the last (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).</summary>
    public const int MinimumPartSize = 5 * 1024 * 1024;

    /// <summary>S3's largest part number: a blob may have at most this many parts.</summary>
    public const int MaxParts = 10_000;

    /// <summary>Aborts run after the caller gave up (its token may be cancelled), but not forever.</summary>
    private static readonly TimeSpan AbortTimeout = TimeSpan.FromSeconds(60);

    private readonly int _partSize;

    public VerifiedBlobCopier(int partSize = DefaultPartSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partSize, MinimumPartSize);
        _partSize = partSize;
    }

    public int PartSize => _partSize;

    /// <summary>
    /// Copies <paramref name="source"/>, which must be blob <paramref name="digest"/> of <paramref name="expectedSize"/>
    /// bytes (when given), to <see cref="DestinationUrl.BlobKey"/> on every target. Content problems come back as a
    /// result with <see cref="BlobCopyResult.Problem"/>; source and store failures throw, after aborting the uploads.
    /// </summary>
    /// <param name="source">Read once, up to its end (or one byte past <paramref name="expectedSize"/>); not disposed.</param>
    /// <param name="digest">The blob's digest, sha256 or sha512.</param>
    /// <param name="expectedSize">The size its descriptor gives; null when unknown.</param>
    /// <param name="targets">Where to store it.</param>
    /// <param name="onBytes">Told of every chunk read, for progress.</param>
    /// <param name="ct">Cancels the copy; uploads begun are aborted.</param>
    public async Task<BlobCopyResult> CopyAsync(
        Stream source, string digest, long? expectedSize, IReadOnlyList<S3Mirror> targets, Action<long>? onBytes, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(targets);
        if (!Digest.TryCreateHash(digest, out var hash, out var digestError))
        {
            return new BlobCopyResult(false, 0, digestError);
        }

        using (hash)
        {
            if (expectedSize < 0)
            {
                return new BlobCopyResult(false, 0, string.Create(CultureInfo.InvariantCulture, $"size mismatch: expected {expectedSize} bytes"));
            }

            var reader = new HashingReader(source, hash, expectedSize, onBytes);
            var first = ArrayPool<byte>.Shared.Rent(_partSize);
            byte[]? second = null;
            try
            {
                var firstLength = await reader.FillAsync(first, _partSize, ct).ConfigureAwait(false);
                var secondLength = 0;
                if (!reader.Ended && !reader.Overrun)
                {
                    second = ArrayPool<byte>.Shared.Rent(_partSize);
                    secondLength = await reader.FillAsync(second, _partSize, ct).ConfigureAwait(false);
                }

                return secondLength == 0 || reader.Overrun
                    ? await PutSingleAsync(reader, digest, targets, first, firstLength, ct).ConfigureAwait(false)
                    : await CopyMultipartAsync(reader, digest, targets, first, firstLength, second!, secondLength, ct).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(first);
                if (second is not null)
                {
                    ArrayPool<byte>.Shared.Return(second);
                }
            }
        }
    }

    private static async Task<BlobCopyResult> PutSingleAsync(
        HashingReader reader, string digest, IReadOnlyList<S3Mirror> targets, byte[] buffer, int length, CancellationToken ct)
    {
        if (reader.Verify(digest) is { } problem)
        {
            return new BlobCopyResult(false, reader.Total, problem);
        }

        await Task.WhenAll(targets.Select(target => PutAsync(target, digest, buffer, length, ct))).ConfigureAwait(false);
        return new BlobCopyResult(true, reader.Total, null);
    }

    private static async Task PutAsync(S3Mirror target, string digest, byte[] buffer, int length, CancellationToken ct)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        var request = new PutObjectRequest
        {
            BucketName = target.Url.Bucket,
            Key = target.Url.BlobKey(digest),
            InputStream = body,
            AutoCloseStream = false,
            ContentType = S3Mirror.BlobContentType,
            UseChunkEncoding = false,
        };
        request.Headers.CacheControl = S3Mirror.ImmutableCacheControl;
        await target.Client.PutObjectAsync(request, ct).ConfigureAwait(false);
    }

    private async Task<BlobCopyResult> CopyMultipartAsync(
        HashingReader reader,
        string digest,
        IReadOnlyList<S3Mirror> targets,
        byte[] first,
        int firstLength,
        byte[] second,
        int secondLength,
        CancellationToken ct)
    {
        // Cancelled on the way out of a failed copy, so that a part in flight stops before its buffer goes back to the pool.
        using var failure = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var token = failure.Token;
        var uploads = new MultipartTarget?[targets.Count];
        Task? uploading = null;
        var completed = false;
        try
        {
            await Task.WhenAll(targets.Select(async (target, i) => uploads[i] = await StartAsync(target, digest, token).ConfigureAwait(false)))
                .ConfigureAwait(false);
            var started = uploads.Select(upload => upload!).ToArray();

            // Two buffers: one uploading, one filling from the source.
            var partNumber = 1;
            uploading = UploadPartAsync(started, partNumber, first, firstLength, token);
            var (current, currentLength, spare) = (second, secondLength, first);
            while (true)
            {
                await uploading.ConfigureAwait(false);
                uploading = null;
                if (++partNumber > MaxParts)
                {
                    return new BlobCopyResult(false, reader.Total, string.Create(
                        CultureInfo.InvariantCulture, $"the blob is larger than {MaxParts} parts of {_partSize} bytes: use a larger part size"));
                }

                uploading = UploadPartAsync(started, partNumber, current, currentLength, token);
                var nextLength = await reader.FillAsync(spare, _partSize, token).ConfigureAwait(false);
                (current, currentLength, spare) = (spare, nextLength, current);
                if (reader.Overrun || nextLength == 0)
                {
                    await uploading.ConfigureAwait(false);
                    uploading = null;
                    break;
                }
            }

            if (reader.Verify(digest) is { } problem)
            {
                return new BlobCopyResult(false, reader.Total, problem);
            }

            await Task.WhenAll(started.Select(upload => CompleteAsync(upload, token))).ConfigureAwait(false);
            completed = true;
            return new BlobCopyResult(true, reader.Total, null);
        }
        finally
        {
            if (!completed)
            {
                await failure.CancelAsync().ConfigureAwait(false);
                if (uploading is not null)
                {
                    // Wait for the part in flight (its failure is of no interest now) so its buffer is free again.
                    await uploading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)
                        .ConfigureAwait(false);
                }

                await Task.WhenAll(uploads.OfType<MultipartTarget>().Select(AbortAsync)).ConfigureAwait(false);
            }
        }
    }

    private static async Task<MultipartTarget> StartAsync(S3Mirror target, string digest, CancellationToken ct)
    {
        var key = target.Url.BlobKey(digest);
        var request = new InitiateMultipartUploadRequest
        {
            BucketName = target.Url.Bucket,
            Key = key,
            ContentType = S3Mirror.BlobContentType,
        };
        request.Headers.CacheControl = S3Mirror.ImmutableCacheControl;
        var response = await target.Client.InitiateMultipartUploadAsync(request, ct).ConfigureAwait(false);
        return new MultipartTarget(target, key, response.UploadId);
    }

    private static Task UploadPartAsync(MultipartTarget[] uploads, int partNumber, byte[] buffer, int length, CancellationToken ct)
        => Task.WhenAll(uploads.Select(upload => UploadPartAsync(upload, partNumber, buffer, length, ct)));

    private static async Task UploadPartAsync(MultipartTarget upload, int partNumber, byte[] buffer, int length, CancellationToken ct)
    {
        using var body = new MemoryStream(buffer, 0, length, writable: false);
        var request = new UploadPartRequest
        {
            BucketName = upload.Mirror.Url.Bucket,
            Key = upload.Key,
            UploadId = upload.UploadId,
            PartNumber = partNumber,
            PartSize = length,
            InputStream = body,
            UseChunkEncoding = false,
        };
        var response = await upload.Mirror.Client.UploadPartAsync(request, ct).ConfigureAwait(false);
        upload.Parts.Add(new PartETag(partNumber, response.ETag));
    }

    private static async Task CompleteAsync(MultipartTarget upload, CancellationToken ct)
    {
        var request = new CompleteMultipartUploadRequest
        {
            BucketName = upload.Mirror.Url.Bucket,
            Key = upload.Key,
            UploadId = upload.UploadId,
            PartETags = upload.Parts,
        };
        await upload.Mirror.Client.CompleteMultipartUploadAsync(request, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Best effort: the upload's parts go, and no object appears. A store that cannot abort (s3rver answers 405) or a
    /// failing network leaves the parts for <see cref="S3Mirror.AbortStaleUploadsAsync"/>; it never shows an object.
    /// </summary>
    private static async Task AbortAsync(MultipartTarget upload)
    {
        using var timeout = new CancellationTokenSource(AbortTimeout);
        try
        {
            await upload.Mirror.Client.AbortMultipartUploadAsync(
                new AbortMultipartUploadRequest { BucketName = upload.Mirror.Url.Bucket, Key = upload.Key, UploadId = upload.UploadId },
                timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Best effort by design: the copy's own outcome is what the caller must see.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
