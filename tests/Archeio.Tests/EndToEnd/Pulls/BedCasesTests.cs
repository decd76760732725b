using System.Net;
using System.Text.Json;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>Tag pagination, the signature upstream, referrers and broken mirrors, through the load balancer.</summary>
[Collection(PullBedDefinition.Name)]
public sealed class BedCasesTests(PullTestBed bed) : IDisposable
{
    private static readonly string[] ProbedMirrors = [PullTestBed.S3, PullTestBed.Static];
    private static readonly string[] ProbeChecks = ["head", "range", "content"];
    private static readonly string[] PageQueries = ["?n=2", "?n=2&last=v2"];

    private readonly HttpClient _following = new(new SocketsHttpHandler { AllowAutoRedirect = true });
    private readonly HttpClient _notFollowing = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public void Dispose()
    {
        _following.Dispose();
        _notFollowing.Dispose();
    }

    [Fact]
    public async Task Tag_listing_pages_through_Archeio_return_every_tag_once()
    {
        await RecordAsync("tags", "http", PullTestBed.NoCloud, "single", async () =>
        {
            var lb = "http://" + bed.LoadBalancer(PullTestBed.NoCloud);

            // Both pages' queries reach the upstream byte for byte.
            foreach (var query in PageQueries)
            {
                using var redirect = await _notFollowing.GetAsync(lb + "/v2/bed/single/tags/list" + query);
                Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
                Assert.Equal(bed.UpstreamRegistry.BaseUrl + "/v2/project/bed/single/tags/list" + query, redirect.Headers.Location?.OriginalString);
            }

            // A client paging with n and last: a full page means there may be more (OCI distribution-spec,
            // "Listing Tags"). Distribution 2.8 does not paginate tags (it answers every tag at once, without
            // a Link header), so the loop must also end right when a page holds more than n.
            var seen = new List<string>();
            string? last = null;
            var pages = 0;
            while (pages++ < 10)
            {
                using var response = await _following.GetAsync($"{lb}/v2/bed/single/tags/list?n=2{(last is null ? "" : "&last=" + last)}");
                response.EnsureSuccessStatusCode();
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var tags = body.RootElement.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
                seen.AddRange(tags);
                if (tags.Count != 2)
                {
                    break;
                }

                last = tags[^1];
            }

            Assert.Equal(PullTestBed.PaginationTags.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
            return $"{seen.Count} tags in {pages} page(s); n and last passed on";
        });
    }

    /// <summary>
    /// Docker's part in tag listing. It has no part in the <c>n</c>/<c>last</c> paging above, since it sends
    /// neither, but <c>docker pull --all-tags</c> lists the tags through Archeio (and would follow a <c>Link</c>
    /// header to further pages; Distribution 2.8 sends none) and pulls every one, from the backends the routing promised.
    /// </summary>
    [Fact]
    public async Task Docker_pulls_every_tag_it_lists_through_Archeio()
    {
        await RecordAsync("tags", PullClients.Docker, PullTestBed.NoCloud, "single", async () =>
        {
            var docker = (DockerPullClient)bed.Client(PullClients.Docker);
            var image = bed.Images["single"];
            var marks = bed.Mark();
            var archeioMark = bed.MarkArcheio();

            var pulled = await docker.PullAllTagsAsync($"{bed.LoadBalancer(PullTestBed.NoCloud)}/bed/single", CancellationToken.None);

            Assert.Equal(PullTestBed.PaginationTags.Order(StringComparer.Ordinal), pulled.Select(p => p.Reference[(p.Reference.LastIndexOf(':') + 1)..]).Order(StringComparer.Ordinal));
            Assert.All(pulled, p => Assert.Equal(image.Digest, p.Digest));
            var listings = (await bed.ArcheioAccessSinceAsync(archeioMark)).Where(r => r.GetProperty("Path").GetString() == "/v2/bed/single/tags/list").ToList();
            var listing = Assert.Single(listings);
            Assert.Equal(307, listing.GetProperty("Status").GetInt32());
            Assert.Equal(PullTestBed.Upstream, listing.GetProperty("Decision").GetString());
            var upstream = await bed.UpstreamRegistry.WaitForAccessLogAsync(
                marks[bed.UpstreamRegistry.AccessLog], entries => entries.Any(e => e.Path == "/v2/project/bed/single/tags/list" && e.Status == 200));
            Assert.Contains(upstream, e => e.Path == "/v2/project/bed/single/tags/list" && e.Status == 200);
            var detail = await PullVerifier.VerifyAsync(bed, PullTestBed.NoCloud, "bed/single", PullVerifier.BlobsFetchedBy(PullClients.Docker, image), marks);
            await docker.ResetAsync();
            return $"{pulled.Count} tags from 1 listing; {detail}";
        });
    }

    [Fact]
    public async Task The_signature_tag_comes_from_the_signature_upstream()
    {
        await RecordAsync("signature", "skopeo", PullTestBed.NoCloud, "single", async () =>
        {
            var marks = bed.Mark();
            var raw = await Skopeo.InspectRawAsync($"{bed.LoadBalancer(PullTestBed.NoCloud)}/bed/single:{bed.Signature.Tag}");

            Assert.Equal(bed.Signature.Digest, Skopeo.Digest(raw));
            var fromSignatures = await AccessLogWaiter.WaitForAsync(
                bed.SignatureRegistry.AccessLog,
                marks[bed.SignatureRegistry.AccessLog],
                entries => entries.Any(e => e.Path == "/v2/project/bed/single/manifests/" + bed.Signature.Tag && e.Status == 200),
                TimeSpan.FromSeconds(10));
            Assert.NotEmpty(fromSignatures);
            Assert.DoesNotContain(bed.UpstreamRegistry.AccessLog.Since(marks[bed.UpstreamRegistry.AccessLog]), e => e.Path.Contains(bed.Signature.Tag, StringComparison.Ordinal));

            // The main upstream does not have it: only the routing makes it resolvable.
            using var direct = new HttpRequestMessage(HttpMethod.Get, $"{bed.UpstreamRegistry.BaseUrl}/v2/project/bed/single/manifests/{bed.Signature.Tag}");
            direct.Headers.Accept.ParseAdd(OciMediaTypes.ImageManifest);
            using var response = await _notFollowing.SendAsync(direct);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            return "manifest from signatures; upstream 404";
        });
    }

    [Fact]
    public async Task Referrers_requests_reach_the_upstream_with_their_query()
    {
        await RecordAsync("referrers", "http", PullTestBed.AwsEuWest3, "single", async () =>
        {
            var lb = "http://" + bed.LoadBalancer(PullTestBed.AwsEuWest3);
            var query = "?artifactType=application%2Fvnd.dev.cosign.artifact.sig.v1%2Bjson";
            var path = $"/v2/bed/single/referrers/{bed.Images["single"].Digest}{query}";

            using var redirect = await _notFollowing.GetAsync(lb + path);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
            Assert.Equal($"{bed.UpstreamRegistry.BaseUrl}/v2/project/bed/single/referrers/{bed.Images["single"].Digest}{query}", redirect.Headers.Location?.OriginalString);

            // Distribution 2.8 has no referrers API: the upstream's own 404 is what the client gets.
            var mark = bed.UpstreamRegistry.AccessLog.Mark();
            using var followed = await _following.GetAsync(lb + path);
            Assert.Equal(HttpStatusCode.NotFound, followed.StatusCode);
            await bed.UpstreamRegistry.WaitForAccessLogAsync(mark, entries => entries.Any(e => e.Path.Contains("/referrers/", StringComparison.Ordinal)));
            return "307 with query; upstream 404";
        });
    }

    [Fact]
    public async Task The_real_stores_pass_their_client_shaped_probes_and_stay_in_rotation()
    {
        await RecordAsync("probes", "archeio", PullTestBed.NoCloud, "single", async () =>
        {
            // Two probes of each: the start's, and one an interval later.
            PrometheusText metrics = null!;
            await Eventually.TrueAsync(
                async () =>
                {
                    metrics = await PrometheusText.ScrapeAsync(_notFollowing, bed.Archeio.MetricsAddress);
                    return ProbedMirrors.All(m => metrics.Value("archeio_probe_checks_total", ("mirror", m), ("check", "range"), ("outcome", "pass")) >= 2);
                },
                "two passing probes of s3 and static",
                TimeSpan.FromSeconds(30));

            foreach (var mirror in ProbedMirrors)
            {
                foreach (var check in ProbeChecks)
                {
                    Assert.True(metrics.Value("archeio_probe_checks_total", ("mirror", mirror), ("check", check), ("outcome", "pass")) >= 2, $"{mirror} {check}");
                    Assert.Null(metrics.Value("archeio_probe_checks_total", ("mirror", mirror), ("check", check), ("outcome", "fail")));
                }

                Assert.Equal(0, metrics.Value("archeio_mirror_out_of_rotation_seconds", ("mirror", mirror)));
            }

            using var readyz = await _notFollowing.GetAsync(new Uri(bed.Archeio.MetricsAddress, "/readyz"));
            Assert.Equal("ok\n", await readyz.Content.ReadAsStringAsync());
            return "s3 and static: head, range, content pass; in rotation";
        });
    }

    /// <summary>
    /// The s3 mirror is private: its bare URL is refused, and every request the SigV4 front took so far (the
    /// matrix's pulls, Archeio's checks and probes, if they ran before) carried a presigned URL.
    /// </summary>
    [Fact]
    public async Task The_s3_mirror_is_private_and_every_request_it_served_was_presigned_by_Archeio()
    {
        await RecordAsync("signed mirror", "http", PullTestBed.AwsEuWest3, "single", async () =>
        {
            var digest = bed.Images["single"].BlobDigests.First(d => bed.ExpectedBackend(PullTestBed.AwsEuWest3, d) == PullTestBed.S3);
            var mark = bed.S3Front.Mark();
            using (var bare = await _notFollowing.GetAsync($"{bed.S3FrontBucketUrl}/containers/images/{digest}"))
            {
                Assert.Equal(HttpStatusCode.Forbidden, bare.StatusCode);
            }

            await bed.S3Front.WaitForVerdictAsync(mark, v => v is { Accepted: false, Check: "unsigned" });

            using var redirect = await _notFollowing.GetAsync($"http://{bed.LoadBalancer(PullTestBed.AwsEuWest3)}/v2/bed/single/blobs/{digest}");
            Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
            Assert.Contains("X-Amz-Signature=", redirect.Headers.Location!.Query, StringComparison.Ordinal);
            using var signed = await _notFollowing.GetAsync(redirect.Headers.Location);
            Assert.Equal(HttpStatusCode.OK, signed.StatusCode);

            var accepted = bed.S3Front.Verdicts.Where(v => v.Accepted).ToList();
            Assert.All(accepted, v => Assert.Equal("query", v.Auth));
            return $"bare URL 403; {accepted.Count} requests served, all presigned";
        });
    }

    public static TheoryData<string> Clients() => [.. PullClients.Names];

    /// <summary>
    /// Columns: client, location. Skopeo copies the signature image; containerd fetches it without unpacking (<c>ctr
    /// content fetch</c>): it resolves the cosign tag (a HEAD, to the signature upstream), then GETs the manifest by
    /// digest, which Archeio finds in the signature upstream, a candidate of every rule (manifests by digest are routed
    /// like blobs). Podman cannot pull a signature (its layer is not a tar). Docker (20.10) cannot pull a signature at
    /// all: it refuses the manifest before fetching any blob, exiting 1 with
    /// <c>unsupported media type application/vnd.dev.cosign.simplesigning.v1+json</c> (the layer's media type; it
    /// does the same straight from a registry, see RegistryAndClientsTests), and it has no command that fetches
    /// without unpacking, as <c>ctr content fetch</c> does.
    /// </summary>
    public static TheoryData<string, string> SignaturePulls()
    {
        var data = new TheoryData<string, string>();
        foreach (var location in PullTestBed.AllLocations)
        {
            data.Add(PullClients.Skopeo, location.Name);
            data.Add(PullClients.Containerd, location.Name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SignaturePulls))]
    public async Task The_whole_signature_image_comes_from_the_signature_upstream_from_every_location(string client, string locationName)
    {
        var location = PullTestBed.AllLocations.Single(l => l.Name == locationName);
        await RecordAsync("signature-pull", client, location, "single.sig", async () =>
        {
            var marks = bed.Mark();
            var reference = $"{bed.LoadBalancer(location)}/bed/single:{bed.Signature.Tag}";
            var pulled = client == PullClients.Containerd
                ? await ((ContainerdPullClient)bed.Client(client)).FetchAsync(reference, CancellationToken.None)
                : await bed.Client(client).PullAsync(reference, CancellationToken.None);

            Assert.Equal(bed.Signature.Digest, pulled.Digest);
            var detail = await PullVerifier.VerifyAsync(bed, location, "bed/single", bed.Signature.BlobDigests, marks, manifestsFrom: PullTestBed.Signatures);
            await bed.Client(client).ResetAsync();
            return detail;
        });
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Pulls_succeed_via_the_upstream_when_mirrors_are_down_or_hang(string client)
    {
        await RecordAsync("mirror-down", client, PullTestBed.AwsUsEast1, "single", async () =>
        {
            var image = bed.Images["single"];
            var marks = bed.Mark();
            var archeioMark = bed.MarkArcheio();
            var hangsBefore = bed.HangingMirror.Accepted;

            var pulled = await bed.Client(client).PullAsync($"{bed.LoadBalancer(PullTestBed.AwsUsEast1)}/bed/single:{PullTestBed.Tag}", CancellationToken.None);

            Assert.Equal(image.Digest, pulled.Digest);
            var detail = await PullVerifier.VerifyAsync(bed, PullTestBed.AwsUsEast1, "bed/single", PullVerifier.BlobsFetchedBy(client, image), marks);
            // The hanging mirror was asked (by this pull, or by an earlier one until its breaker opened).
            Assert.True(bed.HangingMirror.Accepted > 0, "the hanging mirror was never asked");

            // No request through Archeio waits longer than the blob-check timeout, plus a margin.
            var limit = PullTestBed.BlobCheckTimeout + TimeSpan.FromMilliseconds(500);
            var requests = await bed.ArcheioAccessSinceAsync(archeioMark);
            Assert.NotEmpty(requests);
            var slowest = requests.Max(r => r.GetProperty("DurationMs").GetDouble());
            Assert.True(slowest <= limit.TotalMilliseconds, $"slowest request took {slowest:F0} ms, more than {limit.TotalMilliseconds} ms");
            await bed.Client(client).ResetAsync();
            return $"{detail}; slowest request {slowest:F0} ms; hang asked {bed.HangingMirror.Accepted - hangsBefore}x";
        });
    }

    private Task RecordAsync(string @case, string client, ClientLocation location, string image, Func<Task<string>> test)
        => bed.RecordAsync(@case, client, location.Name, image, test);
}
