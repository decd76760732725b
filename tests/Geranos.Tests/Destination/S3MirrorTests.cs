using System.Text;
using Amazon.S3.Model;
using Archeio.TestBed;
using Geranos.Destination;

namespace Geranos.Tests.Destination;

/// <summary><see cref="S3Mirror"/> against s3rver: markers, the inventory, listings, stale uploads.</summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class S3MirrorTests(S3DestinationFixture fixture)
{
    private const string Manifest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    private const string Child = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
    private const string BlobA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string BlobB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    [Fact]
    public async Task Markers_round_trip_and_are_listed()
    {
        var mirror = fixture.NewMirror();
        var index = new ManifestMarker(Manifest, "application/vnd.oci.image.index.v1+json", "library/alpine", [new(BlobA, 42), new(BlobB, null)]);
        var image = new ManifestMarker(Child, "application/vnd.oci.image.manifest.v1+json", "library/alpine", [new(BlobA, 42)]);

        await mirror.WriteMarkerAsync(index, default);
        await mirror.WriteMarkerAsync(image, default);
        await fixture.PutRawAsync(mirror, mirror.Url.MarkerPrefix + "not-a-digest", [1]);

        var read = await mirror.ReadMarkerAsync(Manifest, default);
        Assert.NotNull(read);
        Assert.Equal(index with { Blobs = [] }, read with { Blobs = [] });
        Assert.Equal(index.Blobs, read.Blobs);
        Assert.Null(await mirror.ReadMarkerAsync(BlobA, default));
        Assert.Equal(new HashSet<string> { Manifest, Child }, await mirror.ListMarkersAsync(default));
        var json = Encoding.UTF8.GetString((await fixture.GetAsync(mirror, mirror.Url.MarkerKey(Manifest)))!);
        Assert.Contains("\"mediaType\": \"application/vnd.oci.image.index.v1+json\"", json, StringComparison.Ordinal);
        Assert.Contains("\"size\": null", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\"}")]
    [InlineData("{\"digest\":\"sha256:2222222222222222222222222222222222222222222222222222222222222222\",\"mediaType\":\"m\",\"repository\":\"r\",\"blobs\":[]}")]
    [InlineData("{\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111111111111111\",\"mediaType\":\"m\",\"repository\":\"r\",\"blobs\":null}")]
    [InlineData("null")]
    public async Task An_unreadable_marker_is_invalid_data(string content)
    {
        var mirror = fixture.NewMirror();
        await fixture.PutRawAsync(mirror, mirror.Url.MarkerKey(Manifest), Encoding.UTF8.GetBytes(content));

        await Assert.ThrowsAsync<InvalidDataException>(() => mirror.ReadMarkerAsync(Manifest, default));
    }

    [Fact]
    public async Task Inventory_is_distinct_sorted_and_newline_terminated()
    {
        var mirror = fixture.NewMirror();
        Assert.Null(await mirror.ReadInventoryAsync(default));

        await mirror.WriteInventoryAsync([BlobB, Manifest, BlobA, BlobB], default);

        var bytes = await fixture.GetAsync(mirror, mirror.Url.InventoryKey);
        Assert.Equal($"{Manifest}\n{BlobA}\n{BlobB}\n", Encoding.UTF8.GetString(bytes!));
        Assert.Equal([Manifest, BlobA, BlobB], await mirror.ReadInventoryAsync(default));
        var head = await fixture.Client.GetObjectMetadataAsync(mirror.Url.Bucket, mirror.Url.InventoryKey);
        Assert.Equal("text/plain", head.Headers.ContentType);
        Assert.Equal("no-cache", head.Headers.CacheControl);

        await mirror.WriteInventoryAsync([], default);
        Assert.Empty((await fixture.GetAsync(mirror, mirror.Url.InventoryKey))!);
        Assert.Equal([], await mirror.ReadInventoryAsync(default));
    }

    [Fact]
    public async Task The_blob_inventory_carries_each_blobs_size_and_reads_back_as_digests()
    {
        var mirror = fixture.NewMirror();

        await mirror.WriteInventoryAsync(new Dictionary<string, long> { [BlobB] = 5_368_709_120, [BlobA] = 0, [Manifest] = 812 }, default);

        var bytes = await fixture.GetAsync(mirror, mirror.Url.InventoryKey);
        Assert.Equal($"{Manifest} 812\n{BlobA} 0\n{BlobB} 5368709120\n", Encoding.UTF8.GetString(bytes!));
        Assert.Equal([Manifest, BlobA, BlobB], await mirror.ReadInventoryAsync(default));
    }

    [Fact]
    public async Task Manifest_inventory_has_its_own_key_in_the_inventory_format()
    {
        var mirror = fixture.NewMirror();
        Assert.Null(await mirror.ReadManifestInventoryAsync(default));

        await mirror.WriteManifestInventoryAsync([Child, Manifest, Child], default);
        await mirror.WriteInventoryAsync([BlobA], default);

        Assert.Equal(mirror.Url.KeyPrefix + "geranos/manifest-inventory.txt", mirror.Url.ManifestInventoryKey);
        Assert.Equal($"{Manifest}\n{Child}\n", Encoding.UTF8.GetString((await fixture.GetAsync(mirror, mirror.Url.ManifestInventoryKey))!));
        Assert.Equal([Manifest, Child], await mirror.ReadManifestInventoryAsync(default));
        Assert.Equal([BlobA], await mirror.ReadInventoryAsync(default));
        var head = await fixture.Client.GetObjectMetadataAsync(mirror.Url.Bucket, mirror.Url.ManifestInventoryKey);
        Assert.Equal("text/plain", head.Headers.ContentType);
        Assert.Equal("no-cache", head.Headers.CacheControl);
    }

    [Fact]
    public async Task A_manifest_object_is_its_exact_bytes_with_its_media_type_and_immutable_caching()
    {
        var mirror = fixture.NewMirror();
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\":2,  \"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}\n");
        var digest = TestBlob.Of(bytes);

        await mirror.WriteManifestAsync(digest, "application/vnd.oci.image.index.v1+json", bytes, default);
        await fixture.PutRawAsync(mirror, mirror.Url.ManifestPrefix + "latest", [1]);

        Assert.Equal(mirror.Url.KeyPrefix + "containers/manifests/" + digest, mirror.Url.ManifestKey(digest));
        Assert.Equal(bytes, await fixture.GetAsync(mirror, mirror.Url.ManifestKey(digest)));
        var head = await fixture.Client.GetObjectMetadataAsync(mirror.Url.Bucket, mirror.Url.ManifestKey(digest));
        Assert.Equal("application/vnd.oci.image.index.v1+json", head.Headers.ContentType);
        Assert.Equal(S3Mirror.ImmutableCacheControl, head.Headers.CacheControl);
        Assert.Equal(new HashSet<string> { digest }, await mirror.ListManifestsAsync(default));
        Assert.Empty(await mirror.ListBlobsAsync(default));
        var read = await mirror.ReadManifestAsync(digest, default);
        Assert.Equal(bytes, read!.Value.Bytes);
        Assert.Null(await mirror.ReadManifestAsync(Manifest, default));
    }

    [Theory]
    [InlineData("application/vnd.oci.image.manifest.v1+json", true)]
    [InlineData("text/html", false)]
    public async Task A_manifest_that_is_not_its_digest_or_of_another_media_type_is_never_stored(string mediaType, bool wrongBytes)
    {
        var mirror = fixture.NewMirror();
        var bytes = Encoding.UTF8.GetBytes("{\"schemaVersion\":2}");
        var digest = wrongBytes ? Manifest : TestBlob.Of(bytes);

        await Assert.ThrowsAsync<InvalidDataException>(() => mirror.WriteManifestAsync(digest, mediaType, bytes, default));
        await Assert.ThrowsAsync<InvalidDataException>(() => mirror.WriteManifestAsync("sha256:../../x", "application/vnd.oci.image.manifest.v1+json", bytes, default));

        Assert.Empty(await mirror.ListObjectsAsync(mirror.Url.KeyPrefix, default));
    }

    [Fact]
    public async Task Blob_listing_pages_through_everything_and_skips_non_digests()
    {
        var mirror = fixture.NewMirror();
        var paged = new S3Mirror(mirror.Client, mirror.Url) { ListPageSize = 3 };
        var expected = new Dictionary<string, long>();
        for (var i = 0; i < 7; i++)
        {
            var digest = "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
            expected[digest] = i;
            await fixture.PutRawAsync(mirror, mirror.Url.BlobKey(digest), new byte[i]);
        }

        await fixture.PutRawAsync(mirror, mirror.Url.BlobPrefix + "junk", [1, 2, 3]);
        await fixture.PutRawAsync(mirror, mirror.Url.KeyPrefix + "containers/other", [1]);
        var mark = fixture.S3.AccessLog.Mark();

        Assert.Equal(expected, await paged.ListBlobsAsync(default));
        Assert.Equal(expected, await mirror.ListBlobsAsync(default));
        Assert.Equal(8, (await paged.ListObjectsAsync(mirror.Url.BlobPrefix, default)).Count);
        // Eight keys in pages of three: three requests each paged listing, one unpaged.
        var entries = await fixture.S3.WaitForAsync(mark, e => e.Count(x => x.Method == "GET") >= 3 + 1 + 3, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Repeat(200, 7), entries.Where(e => e.Method == "GET").Select(e => e.Status));
    }

    [Fact]
    public async Task Aborting_stale_uploads_does_not_throw_where_the_store_cannot_list_them()
    {
        var mirror = fixture.NewMirror();
        await fixture.Client.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = mirror.Url.Bucket, Key = mirror.Url.BlobKey(BlobA) });
        var mark = fixture.S3.AccessLog.Mark();

        var aborted = await mirror.AbortStaleUploadsAsync(DateTimeOffset.UtcNow.AddMinutes(1), default);

        // s3rver 3 answers ListMultipartUploads with 501 NotImplemented; a real store would have listed and aborted one.
        // s3rver logs a request when its response ends, so the initiating POST may still be logged after the mark.
        var entries = await fixture.S3.WaitForAsync(mark, e => e.Any(x => x.Method == "GET"), TimeSpan.FromSeconds(10));
        Assert.Equal(501, entries.Single(x => x.Method == "GET").Status);
        Assert.DoesNotContain(entries, x => x.Method == "DELETE");
        Assert.Equal(0, aborted);
        Assert.Null(await mirror.HeadBlobAsync(BlobA, default));
    }

    [Theory]
    [InlineData("auto", "/auto/s3/aws4_request")]
    [InlineData(null, "/us-east-1/s3/aws4_request")]
    [InlineData("eu-central-1", "/eu-central-1/s3/aws4_request")]
    public async Task Client_signs_for_the_region_and_sends_plain_bodies(string? region, string scope)
    {
        var requests = new List<(string Line, IDictionary<string, string> Headers, string Body)>();
        await using var server = await LoopbackServer.StartAsync(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            lock (requests)
            {
                requests.Add((context.Request.Method + " " + context.Request.Path, headers, body));
            }
        });
        using var client = S3ClientFactory.Create(new S3Settings(new Uri(server.BaseUrl), region, PathStyle: true, "AKIDEXAMPLE", "secret"));

        await new S3Mirror(client, new DestinationUrl("bucket", "p/")).WriteInventoryAsync([BlobA], default);

        var (line, sent, content) = Assert.Single(requests);
        Assert.Equal("PUT /bucket/p/geranos/inventory.txt", line);
        Assert.Equal(BlobA + "\n", content);
        Assert.Contains("Credential=AKIDEXAMPLE/", sent["authorization"], StringComparison.Ordinal);
        Assert.Contains(scope, sent["authorization"], StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", sent["x-amz-content-sha256"]);
        Assert.False(sent.ContainsKey("content-encoding"));
        Assert.False(sent.ContainsKey("x-amz-trailer"));
        Assert.DoesNotContain(sent.Keys, key => key.StartsWith("x-amz-checksum-", StringComparison.Ordinal));
    }
}
