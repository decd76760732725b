using Amazon.S3;
using Amazon.S3.Model;
using Archeio.TestBed;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary>
/// <see cref="VerifiedBlobCopier"/> against a real s3rver: byte-exact copies, the headers a redirect target needs, and the
/// promise that nothing unverified ever becomes visible, whatever the source does.
/// 5 MiB parts (S3's minimum) keep multipart blobs small: 12 MiB is three parts.
/// </summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class VerifiedBlobCopierTests(S3DestinationFixture fixture)
{
    private const int PartSize = VerifiedBlobCopier.MinimumPartSize;
    private const int Small = 300 * 1024;
    private const int Large = 12 * TestBlob.MiB;
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    private readonly VerifiedBlobCopier _copier = new(PartSize);

    [Theory]
    [InlineData(Small, false)]
    [InlineData(Small, true)]
    [InlineData(0, false)]
    public async Task Small_blob_is_stored_byte_exact_with_immutable_headers(int size, bool sha512)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 1, sha512);
        long counted = 0;

        var result = await _copier.CopyAsync(blob.Open(), blob.Digest, blob.Size, [mirror], n => counted += n, default);

        Assert.Equal(new BlobCopyResult(true, size, null), result);
        Assert.Equal(size, counted);
        Assert.Equal(blob.Content, await fixture.GetAsync(mirror, mirror.Url.BlobKey(blob.Digest)));
        var head = await fixture.Client.GetObjectMetadataAsync(mirror.Url.Bucket, mirror.Url.BlobKey(blob.Digest));
        Assert.Equal("application/octet-stream", head.Headers.ContentType);
        Assert.Equal("public, max-age=31536000, immutable", head.Headers.CacheControl);
        Assert.Null(head.Headers.ContentEncoding);
        Assert.Equal(new Dictionary<string, long> { [blob.Digest] = size }, await mirror.ListBlobsAsync(default));
        Assert.Equal(size, await mirror.HeadBlobAsync(blob.Digest, default));
        Assert.Null(await mirror.HeadBlobAsync(Archeio.TestBed.Digests.Missing, default));
    }

    [Theory]
    [InlineData(Large, true)]
    [InlineData(Large, false)]
    [InlineData(2 * PartSize, true)]
    public async Task Large_blob_goes_up_in_parts_byte_exact(int size, bool sizeKnown)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 2);
        var source = blob.Open();
        var mark = fixture.S3.AccessLog.Mark();

        var result = await _copier.CopyAsync(source, blob.Digest, sizeKnown ? blob.Size : null, [mirror], null, default);

        Assert.Equal(new BlobCopyResult(true, size, null), result);
        Assert.Equal(size, source.BytesRead);
        Assert.Equal(blob.Content, await fixture.GetAsync(mirror, mirror.Url.BlobKey(blob.Digest)));
        var head = await fixture.Client.GetObjectMetadataAsync(mirror.Url.Bucket, mirror.Url.BlobKey(blob.Digest));
        Assert.Equal("application/octet-stream", head.Headers.ContentType);
        Assert.Equal("public, max-age=31536000, immutable", head.Headers.CacheControl);

        // Multipart: POST ?uploads, one PUT ?partNumber per part, POST ?uploadId to complete.
        var parts = (size + PartSize - 1) / PartSize;
        var entries = await fixture.S3.WaitForAsync(mark, e => OnKey(e, blob).Count(x => x.Method == "POST") == 2, LogTimeout);
        Assert.Equal(parts, OnKey(entries, blob).Count(e => e.Method == "PUT" && e.Status == 200));
    }

    [Fact]
    public async Task A_blob_of_exactly_one_part_is_a_single_put()
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(PartSize, seed: 3);
        var mark = fixture.S3.AccessLog.Mark();

        var result = await _copier.CopyAsync(blob.Open(), blob.Digest, null, [mirror], null, default);

        Assert.True(result.Verified, result.Problem);
        Assert.Equal(blob.Content, await fixture.GetAsync(mirror, mirror.Url.BlobKey(blob.Digest)));
        var entries = await fixture.S3.WaitForAsync(mark, e => OnKey(e, blob).Any(x => x.Method == "GET"), LogTimeout);
        Assert.Equal(["PUT", "GET"], OnKey(entries, blob).Select(e => e.Method));
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task Corrupt_content_is_reported_and_never_visible(int size)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 4);
        var corrupted = blob.Corrupted();

        var result = await _copier.CopyAsync(new CountingStream(corrupted), blob.Digest, blob.Size, [mirror], null, default);

        Assert.False(result.Verified);
        Assert.Equal("digest mismatch: content is " + TestBlob.Of(corrupted), result.Problem);
        await AssertAbsentAsync(mirror, blob);
    }

    [Theory]
    [InlineData(Small, Small - 1)]
    [InlineData(Large, Large - 1)]
    [InlineData(Large, PartSize)]
    [InlineData(Large, 0)]
    public async Task Truncated_source_is_a_size_mismatch(int size, int sent)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 5);

        var result = await _copier.CopyAsync(new CountingStream(blob.Content, stopAfter: sent), blob.Digest, blob.Size, [mirror], null, default);

        Assert.Equal(new BlobCopyResult(false, sent, $"size mismatch: expected {size} bytes, got {sent}"), result);
        await AssertAbsentAsync(mirror, blob);
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(PartSize)]
    [InlineData(Large)]
    public async Task An_endless_source_is_cut_off_one_byte_past_the_expected_size(int size)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 6);
        var source = new CountingStream(blob.Content, endless: true);

        var result = await _copier.CopyAsync(source, blob.Digest, blob.Size, [mirror], null, default);

        Assert.Equal(new BlobCopyResult(false, size + 1, $"size mismatch: expected {size} bytes, got more"), result);
        Assert.Equal(size + 1, source.BytesRead);
        await AssertAbsentAsync(mirror, blob);
    }

    [Theory]
    [InlineData(Small, Small / 2)]
    [InlineData(Large, PartSize + 100)]
    [InlineData(Large, (2 * PartSize) + 100)]
    public async Task A_failing_source_throws_and_leaves_no_object(int size, int failAfter)
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(size, seed: 7);

        await Assert.ThrowsAsync<IOException>(
            () => _copier.CopyAsync(new CountingStream(blob.Content, failAfter: failAfter), blob.Digest, blob.Size, [mirror], null, default));

        await AssertAbsentAsync(mirror, blob);
    }

    [Fact]
    public async Task Cancellation_midway_leaves_no_object()
    {
        var mirror = fixture.NewMirror();
        var blob = TestBlob.Create(Large, seed: 8);
        using var cancel = new CancellationTokenSource();
        long counted = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _copier.CopyAsync(
            blob.Open(),
            blob.Digest,
            blob.Size,
            [mirror],
            n =>
            {
                counted += n;
                if (counted > 2 * PartSize)
                {
                    cancel.Cancel();
                }
            },
            cancel.Token));

        await AssertAbsentAsync(mirror, blob);
    }

    [Theory]
    [InlineData("md5:0123456789abcdef0123456789abcdef", "unsupported digest algorithm md5")]
    [InlineData("sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", "malformed digest")]
    [InlineData("sha256:0123", "malformed digest")]
    [InlineData("nonsense", "malformed digest")]
    public async Task A_digest_that_cannot_be_checked_writes_nothing_and_reads_nothing(string digest, string problem)
    {
        var mirror = fixture.NewMirror();
        var source = new CountingStream(new byte[100]);

        var result = await _copier.CopyAsync(source, digest, 100, [mirror], null, default);

        Assert.False(result.Verified);
        Assert.Contains(problem, result.Problem, StringComparison.Ordinal);
        Assert.Equal(0, source.BytesRead);
        Assert.Empty(await mirror.ListObjectsAsync(mirror.Url.KeyPrefix, default));
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task Tee_to_two_buckets_reads_the_source_once(int size)
    {
        var other = await fixture.CreateBucketAsync("geranos-tee-" + size);
        var here = fixture.NewMirror();
        var there = fixture.NewMirror(other);
        var blob = TestBlob.Create(size, seed: 9);
        var source = blob.Open();
        long counted = 0;

        var result = await _copier.CopyAsync(source, blob.Digest, blob.Size, [here, there], n => counted += n, default);

        Assert.Equal(new BlobCopyResult(true, size, null), result);
        Assert.Equal(size, source.BytesRead);
        Assert.Equal(size, counted);
        Assert.Equal(blob.Content, await fixture.GetAsync(here, here.Url.BlobKey(blob.Digest)));
        Assert.Equal(blob.Content, await fixture.GetAsync(there, there.Url.BlobKey(blob.Digest)));
    }

    [Theory]
    [InlineData(Small)]
    [InlineData(Large)]
    public async Task Corrupt_tee_leaves_neither_target_with_an_object(int size)
    {
        var other = await fixture.CreateBucketAsync("geranos-bad-tee-" + size);
        var here = fixture.NewMirror();
        var there = fixture.NewMirror(other);
        var blob = TestBlob.Create(size, seed: 10);

        var result = await _copier.CopyAsync(new CountingStream(blob.Corrupted()), blob.Digest, blob.Size, [here, there], null, default);

        Assert.False(result.Verified);
        await AssertAbsentAsync(here, blob);
        await AssertAbsentAsync(there, blob);
    }

    [Fact]
    public void Parts_smaller_than_S3_allows_are_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(() => new VerifiedBlobCopier(VerifiedBlobCopier.MinimumPartSize - 1));

    private async Task AssertAbsentAsync(S3Mirror mirror, TestBlob blob)
    {
        Assert.Null(await mirror.HeadBlobAsync(blob.Digest, default));
        Assert.Empty(await mirror.ListBlobsAsync(default));
        var error = await Assert.ThrowsAnyAsync<AmazonS3Exception>(() => fixture.Client.GetObjectAsync(new GetObjectRequest
        {
            BucketName = mirror.Url.Bucket,
            Key = mirror.Url.BlobKey(blob.Digest),
        }));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
    }

    private static IEnumerable<AccessLogEntry> OnKey(IEnumerable<AccessLogEntry> entries, TestBlob blob)
        => entries.Where(e => e.Path.EndsWith(blob.Digest[(blob.Digest.IndexOf(':', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal));
}
