using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Archeio.TestBed;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The pull-conformance checks, written from the text of the OCI distribution spec v1.1.1 (<see cref="SpecSections"/>):
/// its Pull category (which "All registries conforming to this specification MUST support"), the content-discovery
/// endpoints a puller uses (tags, referrers), and the error format. Each check cites the sentences it implements.
/// A check's level is the spec's word for what it asserts; where one sentence has a MUST and a SHOULD, they are two
/// checks. Every request follows redirects as a client does (<see cref="RedirectingClient"/>), so the statuses are
/// "those returned after any redirects have been followed".
/// </summary>
internal static partial class ConformanceChecks
{
    /// <summary>"The client SHOULD include an <c>Accept</c> header indicating which manifest content types it supports." (Pulling manifests)</summary>
    private static readonly KeyValuePair<string, string> AcceptManifests = new("Accept", OciMediaTypes.ImageManifest + ", " + OciMediaTypes.ImageIndex);

    public static IReadOnlyList<ConformanceCheck> All { get; } =
    [
        new("v2-support", "GET /v2/ answers 200", SpecSections.DeterminingSupport, Requirement.Must, V2SupportAsync),

        new("manifest-get-by-tag", "GET manifest by tag: 200, the pushed manifest", SpecSections.PullingManifests, Requirement.Must, ManifestGetByTagAsync),
        new("manifest-get-by-digest", "GET manifest by digest: 200, body hashes to the digest", SpecSections.PullingManifests, Requirement.Must, ManifestGetByDigestAsync),
        new("manifest-content-type", "GET: Content-Type is the manifest's mediaType, no parameters", SpecSections.PullingManifests, Requirement.Should, ManifestContentTypeAsync),
        new("manifest-content-length", "GET: Content-Length is the body's length", SpecSections.PullingManifests, Requirement.Should, ManifestContentLengthAsync),
        new("manifest-docker-content-digest", "GET: Docker-Content-Digest is the body's digest", SpecSections.PullingManifests, Requirement.Should, ManifestDockerContentDigestAsync),
        new("manifest-missing", "GET/HEAD unknown tag or digest: 404", SpecSections.PullingManifests, Requirement.Must, ManifestMissingAsync),

        new("manifest-head", "HEAD manifest by tag and digest: 200, no body", SpecSections.CheckingExists, Requirement.Must, ManifestHeadAsync),
        new("manifest-head-headers", "HEAD manifest: Content-Length, Docker-Content-Digest, Content-Type as GET", SpecSections.CheckingExists, Requirement.Should, ManifestHeadHeadersAsync),

        new("blob-get", "GET blob: 200, body hashes to the digest", SpecSections.PullingBlobs, Requirement.Must, BlobGetAsync),
        new("blob-docker-content-digest-matches", "GET/HEAD blob: Docker-Content-Digest, if present, is the digest", SpecSections.PullingBlobs, Requirement.Must, BlobDockerContentDigestMatchesAsync),
        new("blob-docker-content-digest", "GET/HEAD blob: Docker-Content-Digest present", SpecSections.PullingBlobs, Requirement.Should, BlobDockerContentDigestAsync),
        new("blob-missing", "GET/HEAD unknown blob: 404", SpecSections.PullingBlobs, Requirement.Must, BlobMissingAsync),
        new("blob-not-in-repository", "GET a blob of another repository: 404", SpecSections.PullingBlobs, Requirement.Must, BlobNotInRepositoryAsync),
        new("blob-head", "HEAD blob: 200, no body", SpecSections.CheckingExists, Requirement.Must, BlobHeadAsync),
        new("blob-content-length", "GET/HEAD blob: Content-Length is the blob's size", SpecSections.CheckingExists, Requirement.Should, BlobContentLengthAsync),

        new("blob-range", "Range: bytes=a-b → 206, those bytes, Content-Range", SpecSections.Range, Requirement.Should, BlobRangeAsync),
        new("blob-range-open", "Range: bytes=a- (resuming) → 206, the rest", SpecSections.Range, Requirement.Should, BlobRangeOpenAsync),
        new("blob-range-suffix", "Range: bytes=-n → 206, the last n bytes", SpecSections.Range, Requirement.Should, BlobRangeSuffixAsync),
        new("blob-range-unsatisfiable", "Range past the end → 416, Content-Range: bytes */size", SpecSections.Range, Requirement.Should, BlobRangeUnsatisfiableAsync),

        new("repository-unknown", "unknown repository: manifest, blob, tags/list 404", SpecSections.Endpoints, Requirement.Must, RepositoryUnknownAsync),
        new("digest-invalid-blob", "GET/HEAD blobs/sha256:xyz: 4xx", SpecSections.Endpoints, Requirement.Must, DigestInvalidBlobAsync),
        new("digest-invalid-manifest", "GET/HEAD manifests/sha256:xyz: 4xx", SpecSections.PullingManifests, Requirement.Must, DigestInvalidManifestAsync),
        new("error-body-format", "4xx JSON bodies: {\"errors\":[{\"code\":…}]}, codes from the table", SpecSections.ErrorCodes, Requirement.Must, ErrorBodyFormatAsync),
        new("error-manifest-unknown", "missing manifest: code MANIFEST_UNKNOWN", SpecSections.ErrorCodes, Requirement.Should, ErrorManifestUnknownAsync),
        new("error-blob-unknown", "missing blob: code BLOB_UNKNOWN", SpecSections.ErrorCodes, Requirement.Should, ErrorBlobUnknownAsync),
        new("error-name-unknown", "tags/list of an unknown repository: code NAME_UNKNOWN", SpecSections.ErrorCodes, Requirement.Should, ErrorNameUnknownAsync),

        new("tags-list", "tags/list: 200, every tag", SpecSections.ListingTags, Requirement.Must, TagsListAsync),
        new("tags-list-order", "tags/list: in lexical or ASCII order", SpecSections.ListingTags, Requirement.Must, TagsListOrderAsync),
        new("tags-list-name", "tags/list: \"name\" is the repository asked for", SpecSections.ListingTags, Requirement.Must, TagsListNameAsync),
        new("tags-list-n", "?n=3: the first 3 tags (fewer only with Link rel=\"next\")", SpecSections.ListingTags, Requirement.Must, TagsListNAsync),
        new("tags-list-n-zero", "?n=0: an empty list, no Link", SpecSections.ListingTags, Requirement.Must, TagsListNZeroAsync),
        new("tags-list-last", "?n=2&last=t and ?last=t: only tags after t", SpecSections.ListingTags, Requirement.Must, TagsListLastAsync),

        new("referrers", "referrers/<digest>: 200, an image index", SpecSections.ListingReferrers, Requirement.Must, ReferrersAsync),
        new("referrers-invalid-digest", "referrers/sha256:xyz: 400", SpecSections.ListingReferrers, Requirement.Must, ReferrersInvalidDigestAsync),
    ];

    public static ConformanceCheck Get(string id) => All.Single(c => c.Id == id);

    // ---- Determining Support -------------------------------------------------------------------------------------

    /// <summary>
    /// Determining Support: "perform a <c>GET</c> request to … <c>/v2/</c>. If the response is <c>200 OK</c>, then the
    /// registry implements this specification." (end-1: success 200.) Nothing else is asked of the answer: the
    /// <c>Docker-Distribution-API-Version</c> header is legacy and OPTIONAL ("Legacy Docker support HTTP headers").
    /// </summary>
    private static async Task V2SupportAsync(CheckRun run)
    {
        var response = await run.GetAsync("/v2/");
        run.ExpectStatus(response, 200);
    }

    // ---- Pulling manifests ---------------------------------------------------------------------------------------

    /// <summary>
    /// Pulling manifests: "A GET request to an existing manifest URL MUST provide the expected manifest, with a
    /// response code that MUST be <c>200 OK</c>." By tag, the expected manifest is the one pushed under the tag.
    /// </summary>
    private static async Task ManifestGetByTagAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests.Where(m => !m.ByDigest))
        {
            var response = await run.GetAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                run.Expect(Sha256(response.Body) == manifest.Digest, $"{CheckRun.Describe(response)}: the body is not the pushed manifest");
            }
        }
    }

    /// <summary>
    /// Pulling manifests: as above, by digest; and "If the <c>&lt;reference&gt;</c> part of a manifest request is a
    /// digest, clients SHOULD verify the returned manifest matches this digest": the body must hash to it.
    /// </summary>
    private static async Task ManifestGetByDigestAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests.Where(m => m.ByDigest))
        {
            var response = await run.GetAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                run.Expect(Sha256(response.Body) == manifest.Digest, $"{CheckRun.Describe(response)}: the body does not hash to the digest");
            }
        }
    }

    /// <summary>
    /// Pulling manifests: "The registry SHOULD NOT include parameters on the <c>Content-Type</c> header." and "The
    /// <c>Content-Type</c> header SHOULD match what the client pushed as the manifest's <c>Content-Type</c>" (the bed
    /// pushes each with its own <c>mediaType</c>; "clients SHOULD reject unless the <c>mediaType</c> field's value
    /// matches the type specified by the <c>Content-Type</c> header").
    /// </summary>
    private static async Task ManifestContentTypeAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests)
        {
            var response = await run.GetAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                var type = response.Header("Content-Type");
                run.Expect(type == manifest.MediaType, $"{CheckRun.Describe(response)}: Content-Type '{type}', not '{manifest.MediaType}'");
            }
        }
    }

    /// <summary>
    /// The size of a manifest in <c>Content-Length</c>: the spec asks it of HEAD ("Checking if content exists": "A
    /// successful response SHOULD contain the size in bytes of the uploaded blob in the header <c>Content-Length</c>")
    /// and a GET of the same URL should send the same (RFC 9110 §9.3.2); when sent, it is the body's length
    /// (RFC 9110 §8.6, a MUST of HTTP).
    /// </summary>
    private static async Task ManifestContentLengthAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests)
        {
            var response = await run.GetAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                var length = response.Header("Content-Length");
                run.Expect(
                    length == response.Body.Length.ToString(CultureInfo.InvariantCulture) && response.Body.Length == manifest.Size,
                    $"{CheckRun.Describe(response)}: Content-Length '{length}', body {response.Body.Length} bytes, manifest {manifest.Size}");
            }
        }
    }

    /// <summary>
    /// Pulling manifests: "A successful response SHOULD contain the digest of the uploaded blob in the header
    /// <c>Docker-Content-Digest</c>" (a MUST on main since v1.1.1); "if it is used, the client MUST verify the value
    /// matches the returned manifest". The bed's manifests are sha256, the canonical algorithm, so the value is the
    /// digest pushed.
    /// </summary>
    private static async Task ManifestDockerContentDigestAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests)
        {
            var response = await run.GetAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                var digest = response.Header("Docker-Content-Digest");
                run.Expect(digest == manifest.Digest && Sha256(response.Body) == digest, $"{CheckRun.Describe(response)}: Docker-Content-Digest '{Short(digest)}'");
            }
        }
    }

    /// <summary>
    /// Pulling manifests: "If the manifest is not found in the repository, the response code MUST be <c>404 Not
    /// Found</c>." Checking if content exists: the same for HEAD. An unknown tag and an unknown digest, in a
    /// repository that exists.
    /// </summary>
    private static async Task ManifestMissingAsync(CheckRun run)
    {
        foreach (var reference in new[] { ConformanceContent.MissingTag, ConformanceContent.MissingDigest })
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                var response = await run.SendAsync(method, run.ManifestPath(run.Content.TaggedImage, reference), [AcceptManifests]);
                run.ExpectStatus(response, 404);
            }
        }
    }

    // ---- Checking if content exists in the registry --------------------------------------------------------------

    /// <summary>
    /// Checking if content exists: "A HEAD request to an existing blob or manifest URL MUST return <c>200 OK</c>."
    /// HEAD answers carry no content (RFC 9110 §9.3.2).
    /// </summary>
    private static async Task ManifestHeadAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests)
        {
            var response = await run.HeadAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (run.ExpectStatus(response, 200))
            {
                run.Expect(response.Body.IsEmpty, $"{CheckRun.Describe(response)}: a body of {response.Body.Length} bytes");
            }
        }
    }

    /// <summary>
    /// Checking if content exists: "A successful response SHOULD contain the digest of the uploaded blob in the header
    /// <c>Docker-Content-Digest</c>. A successful response SHOULD contain the size in bytes of the uploaded blob in the
    /// header <c>Content-Length</c>." (both MUST on main); and the <c>Content-Type</c> a GET would give (RFC 9110 §9.3.2:
    /// "The server SHOULD send the same header fields in response to a HEAD request as it would have sent if the
    /// request method had been GET").
    /// </summary>
    private static async Task ManifestHeadHeadersAsync(CheckRun run)
    {
        foreach (var manifest in run.Content.Manifests)
        {
            var response = await run.HeadAsync(run.ManifestPath(manifest.Image, manifest.Reference), AcceptManifests);
            if (!run.ExpectStatus(response, 200))
            {
                continue;
            }

            var what = CheckRun.Describe(response);
            var length = response.Header("Content-Length");
            run.Expect(length == manifest.Size.ToString(CultureInfo.InvariantCulture), $"{what}: Content-Length '{length}', not {manifest.Size}");
            var digest = response.Header("Docker-Content-Digest");
            run.Expect(digest == manifest.Digest, $"{what}: Docker-Content-Digest '{Short(digest)}'");
            var type = response.Header("Content-Type");
            run.Expect(type == manifest.MediaType, $"{what}: Content-Type '{type}', not '{manifest.MediaType}'");
        }
    }

    // ---- Pulling blobs -------------------------------------------------------------------------------------------

    /// <summary>
    /// Pulling blobs: "A GET request to an existing blob URL MUST provide the expected blob, with a response code that
    /// MUST be <c>200 OK</c>." and "Clients SHOULD verify that the response body matches the requested digest": the
    /// expected blob is the one that hashes to its digest.
    /// </summary>
    private static async Task BlobGetAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            var response = await run.GetAsync(run.BlobPath(blob.Image, blob.Digest));
            if (run.ExpectStatus(response, 200))
            {
                run.Expect(Sha256(response.Body) == blob.Digest, $"{CheckRun.Describe(response)} from the {run.Origin(response)}: the body does not hash to the digest");
            }
        }
    }

    /// <summary>
    /// Pulling blobs: "If present, the value of this header MUST be a digest matching that of the response body." For
    /// HEAD, the digest of the body a GET would give (Checking if content exists).
    /// </summary>
    private static async Task BlobDockerContentDigestMatchesAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                var response = await run.SendAsync(method, run.BlobPath(blob.Image, blob.Digest), []);
                if (run.ExpectStatus(response, 200) && response.Header("Docker-Content-Digest") is { } digest)
                {
                    run.Expect(digest == blob.Digest, $"{CheckRun.Describe(response)} from the {run.Origin(response)}: Docker-Content-Digest '{Short(digest)}'");
                }
            }
        }
    }

    /// <summary>
    /// Pulling blobs: "A successful response SHOULD contain the digest of the uploaded blob in the header
    /// <c>Docker-Content-Digest</c>." Checking if content exists: the same SHOULD for HEAD. (Both MUST on main.)
    /// </summary>
    private static async Task BlobDockerContentDigestAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                var response = await run.SendAsync(method, run.BlobPath(blob.Image, blob.Digest), []);
                if (run.ExpectStatus(response, 200))
                {
                    run.Expect(response.Header("Docker-Content-Digest") is not null, $"{method} blob from the {run.Origin(response)}: no Docker-Content-Digest");
                }
            }
        }
    }

    /// <summary>
    /// Pulling blobs: "If the blob is not found in the repository, the response code MUST be <c>404 Not Found</c>."
    /// Checking if content exists: the same for HEAD. A digest of nothing in the bed.
    /// </summary>
    private static async Task BlobMissingAsync(CheckRun run)
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            var response = await run.SendAsync(method, run.BlobPath(run.Content.TaggedImage, ConformanceContent.MissingDigest), []);
            run.ExpectStatus(response, 404);
        }
    }

    /// <summary>
    /// Pulling blobs: "If the blob is not found in the repository, the response code MUST be <c>404 Not Found</c>."
    /// "In the repository": a blob pushed to one repository is not found in another (the spec's Repository is "a
    /// scope for API calls on a registry for a collection of content (including manifests, blobs, and tags)"). Every
    /// blob of the tagged image, asked for in the other image's repository and in one nothing was pushed to.
    /// </summary>
    private static async Task BlobNotInRepositoryAsync(CheckRun run)
    {
        var others = run.Content.Blobs.Where(b => b.Image == run.Content.OtherImage).Select(b => b.Digest).ToHashSet(StringComparer.Ordinal);
        foreach (var blob in run.Content.Blobs.Where(b => b.Image == run.Content.TaggedImage && !others.Contains(b.Digest)))
        {
            foreach (var repository in new[] { run.Content.OtherImage, ConformanceContent.UnknownImage })
            {
                var response = await run.GetAsync(run.BlobPath(repository, blob.Digest));
                run.Expect(
                    response.Status == 404,
                    $"GET a blob {(repository == ConformanceContent.UnknownImage ? "in an unknown repository" : "of another repository")} answered {response.Status} from the {run.Origin(response)}, not 404");
            }
        }
    }

    /// <summary>Checking if content exists: "A HEAD request to an existing blob or manifest URL MUST return <c>200 OK</c>."</summary>
    private static async Task BlobHeadAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            var response = await run.HeadAsync(run.BlobPath(blob.Image, blob.Digest));
            if (run.ExpectStatus(response, 200))
            {
                run.Expect(response.Body.IsEmpty, $"{CheckRun.Describe(response)}: a body of {response.Body.Length} bytes");
            }
        }
    }

    /// <summary>
    /// Checking if content exists: "A successful response SHOULD contain the size in bytes of the uploaded blob in the
    /// header <c>Content-Length</c>." (MUST on main), for HEAD; and for GET, which sends what HEAD would (RFC 9110 §9.3.2).
    /// </summary>
    private static async Task BlobContentLengthAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
            {
                var response = await run.SendAsync(method, run.BlobPath(blob.Image, blob.Digest), []);
                if (run.ExpectStatus(response, 200))
                {
                    var length = response.Header("Content-Length");
                    run.Expect(
                        length == blob.Content.Length.ToString(CultureInfo.InvariantCulture),
                        $"{CheckRun.Describe(response)} from the {run.Origin(response)}: Content-Length '{length}', not {blob.Content.Length}");
                }
            }
        }
    }

    // ---- Range (Pulling blobs: "A registry SHOULD support the Range request header in accordance with RFC 9110") ----

    /// <summary>
    /// RFC 9110 §14.1.2, §15.3.7: a satisfiable single range gets <c>206 Partial Content</c> with exactly those bytes
    /// (first and last inclusive) and <c>Content-Range: bytes first-last/complete-length</c> (§14.4).
    /// </summary>
    private static Task BlobRangeAsync(CheckRun run)
        => RangeAsync(run, blob => (blob.Content.Length / 4, blob.Content.Length / 2));

    /// <summary>
    /// RFC 9110 §14.1.2: <c>bytes=first-</c>, from there to the end: what a client resuming an interrupted download sends
    /// (the spec's use case "Resumable Pull": "The client keeps the partial data and uses http <c>Range</c> requests").
    /// </summary>
    private static Task BlobRangeOpenAsync(CheckRun run)
        => RangeAsync(run, blob => (blob.Content.Length / 2, null));

    /// <summary>RFC 9110 §14.1.2: <c>bytes=-n</c>, the last n bytes (a suffix range).</summary>
    private static async Task BlobRangeSuffixAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            var size = blob.Content.Length;
            var suffix = Math.Min(10, size / 2);
            var response = await run.GetAsync(run.BlobPath(blob.Image, blob.Digest), RangeHeader($"bytes=-{suffix}"));
            ExpectPart(run, response, blob, size - suffix, size - 1);
        }
    }

    /// <summary>
    /// RFC 9110 §14.1.1, §15.5.17: a range whose first position is past the end is unsatisfiable: <c>416</c>, and "A
    /// server that generates a 416 response to a byte-range request SHOULD generate a <c>Content-Range</c> header
    /// field specifying the current length of the selected representation" (<c>bytes */size</c>, §14.4).
    /// </summary>
    private static async Task BlobRangeUnsatisfiableAsync(CheckRun run)
    {
        foreach (var blob in run.Content.Blobs)
        {
            var size = blob.Content.Length;
            var response = await run.GetAsync(run.BlobPath(blob.Image, blob.Digest), RangeHeader($"bytes={size}-{size + 100}"));
            if (run.ExpectStatus(response, 416))
            {
                var range = response.Header("Content-Range");
                run.Expect(range == $"bytes */{size}", $"416 from the {run.Origin(response)}: Content-Range '{range}', not 'bytes */<size>'");
            }
        }
    }

    private static async Task RangeAsync(CheckRun run, Func<BlobCase, (int First, int? Last)> range)
    {
        foreach (var blob in run.Content.Blobs)
        {
            var (first, last) = range(blob);
            var spec = $"bytes={first}-{last?.ToString(CultureInfo.InvariantCulture)}";
            var response = await run.GetAsync(run.BlobPath(blob.Image, blob.Digest), RangeHeader(spec));
            ExpectPart(run, response, blob, first, last ?? blob.Content.Length - 1);
        }
    }

    private static void ExpectPart(CheckRun run, FollowedResponse response, BlobCase blob, int first, int last)
    {
        var from = run.Origin(response);
        if (!run.Expect(response.Status == 206, $"Range GET answered {response.Status} from the {from}, not 206"))
        {
            return;
        }

        var expected = blob.Content[first..(last + 1)];
        run.Expect(response.Body.Span.SequenceEqual(expected.Span), $"206 from the {from}: not bytes {first}-{last} of the blob ({response.Body.Length} bytes)");
        var contentRange = response.Header("Content-Range");
        run.Expect(
            contentRange == $"bytes {first}-{last}/{blob.Content.Length}",
            $"206 from the {from}: Content-Range '{contentRange}', not 'bytes {first}-{last}/{blob.Content.Length}'");
        var length = response.Header("Content-Length");
        run.Expect(length is null || length == (last - first + 1).ToString(CultureInfo.InvariantCulture), $"206 from the {from}: Content-Length '{length}'");
    }

    // ---- Unknown repositories, invalid digests, error bodies -----------------------------------------------------

    /// <summary>
    /// Endpoints: end-2, end-3 and end-8a fail with <c>404</c>. Pulling manifests and Pulling blobs: "If the … is not
    /// found in the repository, the response code MUST be <c>404 Not Found</c>"; Listing Tags: "Assuming a repository
    /// is found, this request MUST return a <c>200 OK</c>", else end-8a's 404. A repository nothing was pushed to.
    /// </summary>
    private static async Task RepositoryUnknownAsync(CheckRun run)
    {
        const string image = ConformanceContent.UnknownImage;
        var manifest = run.Content.Manifests.First(m => !m.ByDigest);
        run.ExpectStatus(await run.GetAsync(run.ManifestPath(image, manifest.Reference), AcceptManifests), 404);
        run.ExpectStatus(await run.GetAsync(run.BlobPath(image, ConformanceContent.MissingDigest)), 404);
        run.ExpectStatus(await run.GetAsync(run.TagsPath(image)), 404);
    }

    /// <summary>
    /// A digest outside the image spec's grammar: neither a blob's digest nor anything end-2 can find. The spec lists no
    /// failure for end-2 but <c>404</c> and codes <c>DIGEST_INVALID</c>; HTTP makes a request the server will not
    /// process for a fault of the client's a 4xx (RFC 9110 §15.5), never a 2xx or a 5xx. So: 4xx (404 or 400).
    /// </summary>
    private static Task DigestInvalidBlobAsync(CheckRun run)
        => ExpectClientErrorAsync(run, run.BlobPath(run.Content.TaggedImage, ConformanceContent.InvalidDigest));

    /// <summary>
    /// Pulling manifests: "<c>&lt;reference&gt;</c> MUST be either (a) the digest of the manifest or (b) a tag. The
    /// <c>&lt;reference&gt;</c> MUST NOT be in any other format." <c>sha256:xyz</c> is neither (a tag has no
    /// <c>:</c>): the request is the client's fault, a 4xx (end-3 lists 404), as for blobs.
    /// </summary>
    private static Task DigestInvalidManifestAsync(CheckRun run)
        => ExpectClientErrorAsync(run, run.ManifestPath(run.Content.TaggedImage, ConformanceContent.InvalidDigest), AcceptManifests);

    private static async Task ExpectClientErrorAsync(CheckRun run, string path, params KeyValuePair<string, string>[] headers)
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Head })
        {
            var response = await run.SendAsync(method, path, headers);
            run.Expect(response.Status is >= 400 and < 500, $"{CheckRun.Describe(response)} answered {response.Status}, not 4xx");
        }
    }

    /// <summary>
    /// Error Codes: "A <c>4XX</c> response code from the registry MAY return a body in any format. If the response body
    /// is in JSON format, it MUST have the following format: <c>{"errors": [{"code": …, "message": …, "detail": …}]}</c>",
    /// "The <c>code</c> field MUST be a unique identifier, containing only uppercase alphabetic characters and
    /// underscores", "The <c>message</c> field is OPTIONAL, and if present, it SHOULD be a human readable string",
    /// "The <c>code</c> field MUST be one of the following" (the table). Every 4xx GET answer the other error checks
    /// provoke; there must be some.
    /// </summary>
    private static async Task ErrorBodyFormatAsync(CheckRun run)
    {
        var content = run.Content;
        var manifest = content.Manifests.First(m => !m.ByDigest);
        var answers = new[]
        {
            await run.GetAsync(run.ManifestPath(content.TaggedImage, ConformanceContent.MissingTag), AcceptManifests),
            await run.GetAsync(run.ManifestPath(content.TaggedImage, ConformanceContent.MissingDigest), AcceptManifests),
            await run.GetAsync(run.BlobPath(content.TaggedImage, ConformanceContent.MissingDigest)),
            await run.GetAsync(run.ManifestPath(ConformanceContent.UnknownImage, manifest.Reference), AcceptManifests),
            await run.GetAsync(run.TagsPath(ConformanceContent.UnknownImage)),
            await run.GetAsync(run.BlobPath(content.TaggedImage, ConformanceContent.InvalidDigest)),
            await run.GetAsync(run.ManifestPath(content.TaggedImage, ConformanceContent.InvalidDigest), AcceptManifests),
        };
        var clientErrors = answers.Where(a => a.Status is >= 400 and < 500).ToList();
        run.Expect(clientErrors.Count > 0, "no request got a 4xx answer");
        foreach (var answer in clientErrors.Where(IsJson))
        {
            var what = $"{CheckRun.Describe(answer)} ({answer.Status})";
            using var json = JsonDocument.Parse(answer.Body);
            if (!run.Expect(
                json.RootElement.ValueKind == JsonValueKind.Object
                    && json.RootElement.TryGetProperty("errors", out var errors)
                    && errors.ValueKind == JsonValueKind.Array
                    && errors.GetArrayLength() > 0,
                $"{what}: no \"errors\" array"))
            {
                continue;
            }

            foreach (var error in json.RootElement.GetProperty("errors").EnumerateArray())
            {
                var code = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("code", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
                run.Expect(code is not null && ErrorCode().IsMatch(code) && SpecSections.ErrorCodeTable.Contains(code), $"{what}: code '{code}' is not in the table");
                if (error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message))
                {
                    run.Expect(message.ValueKind == JsonValueKind.String, $"{what}: \"message\" is not a string");
                }
            }
        }
    }

    /// <summary>
    /// Error Codes: code-7 <c>MANIFEST_UNKNOWN</c>, "manifest unknown to registry". The spec pairs each code with its
    /// condition in the table and requires no more than that the code be one of the table's ("MUST be one of the
    /// following"): that the code fits the condition is held here as a SHOULD. An unknown tag and an unknown digest.
    /// </summary>
    private static async Task ErrorManifestUnknownAsync(CheckRun run)
    {
        foreach (var reference in new[] { ConformanceContent.MissingTag, ConformanceContent.MissingDigest })
        {
            var response = await run.GetAsync(run.ManifestPath(run.Content.TaggedImage, reference), AcceptManifests);
            ExpectErrorCode(run, response, 404, "MANIFEST_UNKNOWN");
        }
    }

    /// <summary>Error Codes: code-1 <c>BLOB_UNKNOWN</c>, "blob unknown to registry" (a SHOULD, as above).</summary>
    private static async Task ErrorBlobUnknownAsync(CheckRun run)
        => ExpectErrorCode(run, await run.GetAsync(run.BlobPath(run.Content.TaggedImage, ConformanceContent.MissingDigest)), 404, "BLOB_UNKNOWN");

    /// <summary>
    /// Error Codes: code-9 <c>NAME_UNKNOWN</c>, "repository name not known to registry", for the one request about the
    /// repository itself, its tag list (a SHOULD, as above; for a manifest or blob of an unknown repository,
    /// <c>MANIFEST_UNKNOWN</c> and <c>BLOB_UNKNOWN</c> fit as well).
    /// </summary>
    private static async Task ErrorNameUnknownAsync(CheckRun run)
        => ExpectErrorCode(run, await run.GetAsync(run.TagsPath(ConformanceContent.UnknownImage)), 404, "NAME_UNKNOWN");

    private static void ExpectErrorCode(CheckRun run, FollowedResponse response, int status, string code)
    {
        if (!run.ExpectStatus(response, status))
        {
            return;
        }

        var codes = ErrorCodes(response);
        run.Expect(codes.Contains(code), $"{CheckRun.Describe(response)}: codes [{string.Join(", ", codes)}], not {code}");
    }

    // ---- Listing Tags ------------------------------------------------------------------------------------------

    /// <summary>
    /// Listing Tags: "Assuming a repository is found, this request MUST return a <c>200 OK</c> response code.", "Upon
    /// success, the response MUST be a json body in the following format: <c>{"name": "&lt;name&gt;", "tags": [...]}</c>"
    /// where the tags "are each tags on the repository": every tag pushed, once, in whatever order (the order is
    /// <c>tags-list-order</c>'s).
    /// </summary>
    private static async Task TagsListAsync(CheckRun run)
    {
        var (_, tags) = await TagListAsync(run, string.Empty);
        if (tags is not null)
        {
            var expected = Sorted(run.Content.Tags);
            var got = Sorted(tags);
            run.Expect(got.SequenceEqual(expected, StringComparer.Ordinal), $"tags [{string.Join(", ", got)}], not [{string.Join(", ", expected)}]");
        }
    }

    /// <summary>
    /// Listing Tags: "If the list is not empty, the tags MUST be in lexical (i.e. case-insensitive alphanumeric order)
    /// or "ASCIIbetical" (Go's <c>sort.Strings</c>) order." Either order passes. The bed pushes its tags in neither
    /// order nor its reverse, so a registry that lists them as its storage holds them passes only by a rare chance.
    /// </summary>
    private static async Task TagsListOrderAsync(CheckRun run)
    {
        var (_, tags) = await TagListAsync(run, string.Empty);
        if (tags is not null)
        {
            run.Expect(
                tags.SequenceEqual(tags.Order(StringComparer.Ordinal), StringComparer.Ordinal) || tags.SequenceEqual(tags.Order(StringComparer.OrdinalIgnoreCase), StringComparer.Ordinal),
                $"tags [{string.Join(", ", tags)}]: not in lexical order");
        }
    }

    /// <summary>
    /// Listing Tags: the body's format, <c>{"name": "&lt;name&gt;", …}</c>, where "<c>&lt;name&gt;</c> is the namespace
    /// of the repository": the repository the request named (<c>/v2/&lt;name&gt;/tags/list</c>).
    /// </summary>
    private static async Task TagsListNameAsync(CheckRun run)
    {
        var response = await run.GetAsync(run.TagsPath(run.Content.TaggedImage));
        if (!run.ExpectStatus(response, 200))
        {
            return;
        }

        using var json = JsonDocument.Parse(response.Body);
        var name = json.RootElement.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;
        var asked = run.Target.Repository(run.Content.TaggedImage);
        run.Expect(name == asked, $"\"name\": '{name}' for /v2/{asked}/tags/list");
    }

    /// <summary>
    /// Listing Tags: "The response to such a request MAY return fewer than <c>&lt;int&gt;</c> results, but only when the
    /// total number of tags attached to the repository is less than <c>&lt;int&gt;</c> or a <c>Link</c> header is
    /// provided. Otherwise, the response MUST include <c>&lt;int&gt;</c> results.", "Without the <c>last</c> query
    /// parameter …, the list returned will start at the beginning of the list and include <c>&lt;int&gt;</c> results.",
    /// "If included, the <c>Link</c> header MUST be set according to RFC 5988 with the Relation Type <c>rel="next"</c>."
    /// The repository has more than 3 tags.
    /// </summary>
    private static async Task TagsListNAsync(CheckRun run)
    {
        var expected = Sorted(run.Content.Tags).Take(3).ToList();
        await ExpectPageAsync(run, "?n=3", expected);
    }

    /// <summary>Listing Tags: "When <c>n</c> is zero, this endpoint MUST return an empty list, and MUST NOT include a <c>Link</c> header."</summary>
    private static async Task TagsListNZeroAsync(CheckRun run)
    {
        var (response, tags) = await TagListAsync(run, "?n=0");
        if (tags is not null)
        {
            run.Expect(tags.Count == 0, $"?n=0: {tags.Count} tags, not an empty list");
            run.Expect(response.Header("Link") is null, "?n=0: a Link header");
        }
    }

    /// <summary>
    /// Listing Tags: "A request of this sort will return up to <c>&lt;int&gt;</c> tags, beginning non-inclusively with
    /// <c>&lt;tagname&gt;</c>. That is to say, <c>&lt;tagname&gt;</c> will not be included in the results, but up to
    /// <c>&lt;int&gt;</c> tags after <c>&lt;tagname&gt;</c> will be returned.", "When using the <c>last</c> query
    /// parameter, the <c>n</c> parameter is OPTIONAL." With n, as many as there are after it, up to n (fewer only with
    /// a <c>Link</c>, as for n alone); without, every tag after it.
    /// </summary>
    private static async Task TagsListLastAsync(CheckRun run)
    {
        var sorted = Sorted(run.Content.Tags);
        await ExpectPageAsync(run, $"?n=2&last={sorted[2]}", [.. sorted.Skip(3).Take(2)]);
        await ExpectPageAsync(run, $"?last={sorted[4]}", [.. sorted.Skip(5)]);
    }

    /// <summary>A page must be exactly <paramref name="expected"/>, or a proper prefix of it with a <c>Link</c> rel="next".</summary>
    private static async Task ExpectPageAsync(CheckRun run, string query, List<string> expected)
    {
        var (response, tags) = await TagListAsync(run, query);
        if (tags is null)
        {
            return;
        }

        var link = response.Header("Link");
        run.Expect(link is null || NextLink().IsMatch(link), $"{query}: Link '{link}' is not RFC 5988 rel=\"next\"");
        var prefix = tags.Count < expected.Count && link is not null && tags.SequenceEqual(expected.Take(tags.Count), StringComparer.Ordinal);
        run.Expect(
            prefix || tags.SequenceEqual(expected, StringComparer.Ordinal),
            $"{query}: {tags.Count} tags [{string.Join(", ", tags)}], not [{string.Join(", ", expected)}]");
    }

    /// <summary>GETs the tagged image's tag list; checks 200, the JSON body, and that the query reached whoever answered.</summary>
    private static async Task<(FollowedResponse Response, IReadOnlyList<string>? Tags)> TagListAsync(CheckRun run, string query)
    {
        var response = await run.GetAsync(run.TagsPath(run.Content.TaggedImage, query));
        if (!run.ExpectStatus(response, 200))
        {
            return (response, null);
        }

        // Whatever the redirects, the answer must be to the query asked (else n and last are lost on the way).
        var label = query.Length == 0 ? "tags/list" : query;
        run.Expect(response.FinalUri.Query == query, $"{label}: answered for '{response.FinalUri.Query}'");
        using var json = JsonDocument.Parse(response.Body);
        if (!run.Expect(
            json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("tags", out var array) && array.ValueKind == JsonValueKind.Array,
            $"{label}: no \"tags\" array"))
        {
            return (response, null);
        }

        return (response, [.. json.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString() ?? string.Empty)]);
    }

    // ---- Listing Referrers -------------------------------------------------------------------------------------

    /// <summary>
    /// Listing Referrers (added in 1.1): "Assuming a repository is found, this request MUST return a <c>200 OK</c>
    /// response code. If the registry supports the referrers API, the registry MUST NOT return a <c>404 Not Found</c>
    /// to a referrers API requests.", "Upon success, the response MUST be a JSON body with an image index containing a
    /// list of descriptors. The <c>Content-Type</c> header MUST be set to <c>application/vnd.oci.image.index.v1+json</c>."
    /// "If a query results in no matching referrers, an empty manifest list MUST be returned." A 404 says the API is not
    /// there (Backwards Compatibility, Unavailable Referrers API: the client then falls back to the referrers tag
    /// schema): the check does not apply.
    /// </summary>
    private static async Task ReferrersAsync(CheckRun run)
    {
        var response = await run.GetAsync(run.ReferrersPath(run.Content.TaggedImage, run.Content.ReferrersSubject));
        if (response.Status == 404)
        {
            run.Skip(NoReferrersApi(run));
            return;
        }

        if (!run.ExpectStatus(response, 200))
        {
            return;
        }

        run.Expect(response.Header("Content-Type") == OciMediaTypes.ImageIndex, $"Content-Type '{response.Header("Content-Type")}'");
        using var json = JsonDocument.Parse(response.Body);
        var root = json.RootElement;
        run.Expect(
            root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("schemaVersion", out var version) && version.ValueKind == JsonValueKind.Number && version.GetInt32() == 2
                && root.TryGetProperty("mediaType", out var type) && type.GetString() == OciMediaTypes.ImageIndex
                && root.TryGetProperty("manifests", out var manifests) && manifests.ValueKind == JsonValueKind.Array,
            "the body is not an image index with a manifests list");
    }

    /// <summary>
    /// Listing Referrers: "If the request is invalid, such as a <c>&lt;digest&gt;</c> with an invalid syntax, a
    /// <c>400 Bad Request</c> MUST be returned." Only where the API exists (a valid request does not answer 404).
    /// </summary>
    private static async Task ReferrersInvalidDigestAsync(CheckRun run)
    {
        var probe = await run.GetAsync(run.ReferrersPath(run.Content.TaggedImage, run.Content.ReferrersSubject));
        if (probe.Status == 404)
        {
            run.Skip(NoReferrersApi(run));
            return;
        }

        run.ExpectStatus(await run.GetAsync(run.ReferrersPath(run.Content.TaggedImage, ConformanceContent.InvalidDigest)), 400);
    }

    private static string NoReferrersApi(CheckRun run) => $"{run.Content.RegistryName} has no referrers API: 404";

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static KeyValuePair<string, string> RangeHeader(string spec) => new("Range", spec);

    private static List<string> Sorted(IEnumerable<string> tags) => [.. tags.Order(StringComparer.Ordinal)];

    private static string Sha256(ReadOnlyMemory<byte> content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content.Span));

    private static string? Short(string? digest) => digest is null ? null : CheckRun.ShortDigests(digest);

    private static bool IsJson(FollowedResponse response)
        => (response.Header("Content-Type") ?? string.Empty).Contains("json", StringComparison.OrdinalIgnoreCase)
            || (!response.Body.IsEmpty && response.Body.Span[0] == (byte)'{');

    private static List<string> ErrorCodes(FollowedResponse response)
    {
        if (!IsJson(response))
        {
            return [];
        }

        try
        {
            using var json = JsonDocument.Parse(response.Body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array
                ? [.. errors.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) ? c.GetString() ?? string.Empty : string.Empty)]
                : [];
        }
        catch (JsonException)
        {
            return [];
        }
    }

    [GeneratedRegex("^[A-Z_]+$")]
    private static partial Regex ErrorCode();

    /// <summary>RFC 5988 §5: <c>&lt;URI-Reference&gt;; rel="next"</c> (the relation among possibly other parameters).</summary>
    [GeneratedRegex("""^\s*<[^>]*>\s*(;\s*[^;]*)*;\s*rel="?next"?\s*(;.*)?$""")]
    private static partial Regex NextLink();
}
