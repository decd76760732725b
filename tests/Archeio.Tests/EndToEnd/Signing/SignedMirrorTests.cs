using System.Net;
using System.Text.Json;
using System.Web;
using Archeio.TestBed;

namespace Archeio.Tests.EndToEnd.Signing;

/// <summary>
/// The real Archeio in front of private stores that check signatures (<see cref="SignedMirrorBed"/>): each signing
/// kind's redirect is a 307 whose URL the store takes, the bare URL is refused, an expired one is refused, HEAD
/// gets a URL signed for HEAD, the blob check's own HEAD is signed, and a rotated key file signs without a restart.
/// </summary>
[Collection(SignedMirrorBedDefinition.Name)]
public sealed class SignedMirrorTests(SignedMirrorBed bed) : IDisposable
{
    private readonly HttpClient _store = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
    private readonly HttpClient _archeio = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

    public void Dispose()
    {
        _store.Dispose();
        _archeio.Dispose();
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("s3-chain")]
    [InlineData("cloudfront")]
    [InlineData("azure")]
    public async Task A_private_mirror_s_blob_redirect_is_a_signed_307_the_store_takes_while_the_bare_URL_is_refused(string mirror)
    {
        // A blob of its own: Archeio has not checked it yet, so its HEAD is this test's.
        var (blob, digest) = await bed.SeedAsync();
        var front = bed.Front(mirror);
        var mark = front?.Mark() ?? 0;

        var location = await RedirectAsync(mirror, HttpMethod.Get, digest);

        // The bare URL's store and object (a signer may percent-encode the digest's ':'), with a signature added.
        var bare = new Uri(bed.UnsignedUrl(mirror, digest));
        Assert.Equal(bare.GetLeftPart(UriPartial.Authority), location.GetLeftPart(UriPartial.Authority));
        Assert.Equal(Uri.UnescapeDataString(bare.AbsolutePath), Uri.UnescapeDataString(location.AbsolutePath));
        var query = HttpUtility.ParseQueryString(location.Query);
        string[] expected = mirror switch
        {
            "azure" => ["sv", "se", "sr", "sp", "sig"],
            "cloudfront" => ["Expires", "Signature", "Key-Pair-Id"],
            _ => ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"],
        };
        Assert.All(expected, name => Assert.False(string.IsNullOrEmpty(query[name]), $"{name} missing from {location}"));
        if (mirror == "azure")
        {
            Assert.Equal("r", query["sp"]); // read only
        }

        using (var fetched = await _store.GetAsync(location))
        {
            Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
            Assert.Equal(blob, await fetched.Content.ReadAsByteArrayAsync());
        }

        using (var anonymous = await _store.GetAsync(bare))
        {
            Assert.Equal(HttpStatusCode.Forbidden, anonymous.StatusCode);
        }

        if (front is not null)
        {
            // Archeio's presence check was a signed HEAD the front took; the client's GET was taken; the bare one refused.
            var hex = digest["sha256:".Length..];
            bool Of(SigningVerdict v) => v.Path.EndsWith(hex, StringComparison.Ordinal);
            var head = await front.WaitForVerdictAsync(mark, v => Of(v) && v.Method == "HEAD");
            Assert.True(head is { Accepted: true, Status: 200 }, head.ToString());
            await front.WaitForVerdictAsync(mark, v => Of(v) && v.Method == "GET" && v.Accepted && v.Status == 200);
            await front.WaitForVerdictAsync(mark, v => Of(v) && v.Method == "GET" && !v.Accepted && v.Check == "unsigned");
        }
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("cloudfront")]
    [InlineData("azure")]
    public async Task A_HEAD_through_Archeio_gets_a_URL_the_store_answers_for_HEAD(string mirror)
    {
        var location = await RedirectAsync(mirror, HttpMethod.Head, bed.BlobDigest);

        using var head = await _store.SendAsync(new HttpRequestMessage(HttpMethod.Head, location));

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(bed.Blob.Length, head.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task An_S3_URL_is_signed_for_its_method_a_GET_URL_does_not_serve_HEAD_nor_the_other_way()
    {
        var forGet = await RedirectAsync("s3", HttpMethod.Get, bed.BlobDigest);
        var forHead = await RedirectAsync("s3", HttpMethod.Head, bed.BlobDigest);

        using var headWithGetUrl = await _store.SendAsync(new HttpRequestMessage(HttpMethod.Head, forGet));
        using var getWithHeadUrl = await _store.GetAsync(forHead);

        Assert.Equal(HttpStatusCode.Forbidden, headWithGetUrl.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, getWithHeadUrl.StatusCode);
    }

    [Theory]
    [InlineData("s3")]
    [InlineData("cloudfront")]
    public async Task A_signed_URL_works_until_its_expiry_and_is_refused_after(string mirror)
    {
        var front = bed.Front(mirror)!;
        var location = await RedirectAsync(mirror, HttpMethod.Get, bed.BlobDigest);
        try
        {
            await front.SetClockOffsetAsync(SignedMirrorBed.Expires - TimeSpan.FromSeconds(30));
            using (var late = await _store.GetAsync(location))
            {
                Assert.Equal(HttpStatusCode.OK, late.StatusCode);
            }

            await front.SetClockOffsetAsync(SignedMirrorBed.Expires + TimeSpan.FromSeconds(2));
            var mark = front.Mark();
            using var expired = await _store.GetAsync(location);
            Assert.Equal(HttpStatusCode.Forbidden, expired.StatusCode);
            await front.WaitForVerdictAsync(mark, v => v.Method == "GET" && !v.Accepted && v.Check == "expired");
        }
        finally
        {
            await front.SetClockOffsetAsync(TimeSpan.Zero);
        }
    }

    /// <summary>Azurite's clock cannot be moved: its SAS's expiry is checked as written (a past one is refused: <see cref="TestBed.SigningStoresTests"/>).</summary>
    [Fact]
    public async Task An_Azure_SAS_expires_the_configured_time_after_it_is_handed_out()
    {
        var before = DateTimeOffset.UtcNow;
        var location = await RedirectAsync("azure", HttpMethod.Get, bed.BlobDigest);
        var after = DateTimeOffset.UtcNow;

        var expiry = DateTimeOffset.Parse(HttpUtility.ParseQueryString(location.Query)["se"]!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiry, before + SignedMirrorBed.Expires - TimeSpan.FromSeconds(1), after + SignedMirrorBed.Expires + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_blob_the_private_mirror_does_not_hold_goes_upstream_after_a_signed_HEAD_the_store_took()
    {
        var mark = bed.S3Front.Mark();

        var location = await RedirectAsync("s3", HttpMethod.Get, bed.MissingDigest);

        Assert.StartsWith("https://upstream.example/", location.OriginalString, StringComparison.Ordinal);
        var hex = bed.MissingDigest["sha256:".Length..];
        var head = await bed.S3Front.WaitForVerdictAsync(mark, v => v.Method == "HEAD" && v.Path.EndsWith(hex, StringComparison.Ordinal));
        Assert.True(head is { Accepted: true, Status: 404, Auth: "query" }, head.ToString());
    }

    [Fact]
    public async Task A_rotated_CloudFront_key_file_signs_from_then_on_without_a_restart()
    {
        // Before: the rotating mirror's file holds a key the distribution does not trust: its HEAD is refused, so
        // Archeio sends the client upstream.
        // Archeio has not checked this blob yet, so the HEAD below is this test's.
        var (_, digest) = await bed.SeedAsync();
        var mark = bed.CloudFront.Mark();
        var before = await RedirectAsync("cloudfront-rotating", HttpMethod.Get, digest);
        Assert.StartsWith("https://upstream.example/", before.OriginalString, StringComparison.Ordinal);
        await bed.CloudFront.WaitForVerdictAsync(mark, v => v.Method == "HEAD" && v.Path.EndsWith(digest["sha256:".Length..], StringComparison.Ordinal) && !v.Accepted && v.Check == "signature");

        var logMark = bed.Archeio.StandardOutput.Count;
        await File.WriteAllTextAsync(bed.RotatingKeyFile, bed.CloudFrontKey.ExportPkcs8PrivateKeyPem());

        // After: within the file check's 10 s (and the 1 s an absent answer is kept), redirects go to the mirror
        // and its URLs work.
        Uri? after = null;
        await Eventually.TrueAsync(
            async () => (after = await RedirectAsync("cloudfront-rotating", HttpMethod.Get, digest)).OriginalString.StartsWith(bed.CloudFront.BaseUrl, StringComparison.Ordinal),
            "a redirect to the rotating mirror",
            TimeSpan.FromSeconds(30));
        using var fetched = await _store.GetAsync(after!);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Contains(bed.Archeio.StandardOutput.Skip(logMark), line => Event(line) == 120);
    }

    [Fact]
    public async Task No_secret_reaches_Archeio_s_output()
    {
        // Some signed traffic of every kind first, so that there is something to log.
        foreach (var mirror in SignedMirrorBed.Addresses.Keys)
        {
            await RedirectAsync(mirror, HttpMethod.Get, bed.BlobDigest);
        }

        using var metrics = await _archeio.GetAsync(new Uri(bed.Archeio.MetricsAddress, "/metrics"));
        var everything = string.Join('\n', bed.Archeio.StandardOutput) + bed.Archeio.StandardError + await metrics.Content.ReadAsStringAsync();
        Assert.Contains("cloudfront-rotating", everything, StringComparison.Ordinal); // the output is there to search
        string[] secrets =
        [
            bed.SecretKey,
            AzuriteProcess.AccountKey,
            bed.CloudFrontKey.ExportPkcs8PrivateKeyPem().Split('\n')[1],
            bed.UntrustedKey.ExportPkcs8PrivateKeyPem().Split('\n')[1],
        ];
        Assert.All(secrets, secret => Assert.DoesNotContain(secret, everything, StringComparison.Ordinal));
    }

    private static int Event(string line)
    {
        using var json = JsonDocument.Parse(line);
        return json.RootElement.GetProperty("EventId").GetInt32();
    }

    /// <summary>Asks Archeio, from the mirror's client address, for the blob; asserts the 307 and its caching; its Location.</summary>
    private async Task<Uri> RedirectAsync(string mirror, HttpMethod method, string digest)
    {
        using var client = SignedMirrorBed.From(SignedMirrorBed.Addresses[mirror]);
        using var response = await client.SendAsync(new HttpRequestMessage(method, new Uri(bed.Archeio.BaseAddress, "/v2/bed/blobs/" + digest)));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.True(response.Headers.NonValidated.TryGetValues("Cache-Control", out var cacheControl));
        Assert.Equal("private, no-store", cacheControl.ToString()); // as sent: HttpClient's parsed form reorders it
        return response.Headers.Location!;
    }
}
