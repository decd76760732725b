using System.Globalization;
using System.Text.Json;
using Archeio.TestBed;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Every client × every image of the matrix from the restricted location (<see cref="PullTestBed.Restricted"/>: a
/// load-balancer port whose client address, 10.20.30.40, is in the rule <c>Match:Networks: [10.0.0.0/8]</c>,
/// <c>Action: Proxy</c>, mirror <c>s3</c>). The client is given the load balancer's address only. Asserted: the pull
/// succeeds with the pushed digest; Archeio answered every one of the client's requests itself (no 307, every
/// registry request a <c>proxy:</c> decision): held blobs and the platform manifests by digest from
/// <c>proxy:mirror:s3</c>, the rest (each platform's first layer, tags, manifests by tag or of <c>bed/single</c>) from
/// <c>proxy:upstream:default</c>; the backends' logs show those fetches from where the routing promised, and each of
/// their GETs is one Archeio proxied (so none came from the client).
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class RestrictedNetworkTests(PullTestBed bed)
{
    private const string MirrorDecision = "proxy:mirror:" + PullTestBed.S3;
    private const string UpstreamDecision = "proxy:upstream:default";

    public static TheoryData<string, string> Pulls()
    {
        var data = new TheoryData<string, string>();
        foreach (var client in PullClients.Names)
        {
            foreach (var image in PullTestBed.ImageNames)
            {
                data.Add(client, image);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Pulls))]
    public async Task A_client_in_a_proxying_network_pulls_everything_through_Archeio_alone(string client, string imageName)
    {
        var location = PullTestBed.Restricted;
        var image = bed.Images[imageName];
        var repository = PullTestBed.Repository(imageName);
        await bed.RecordAsync("proxy", client, location.Name, imageName, async () =>
        {
            var marks = bed.Mark();
            var archeioMark = bed.MarkArcheio();
            var pulled = await bed.Client(client).PullAsync($"{bed.LoadBalancer(location)}/{repository}:{PullTestBed.Tag}", CancellationToken.None);
            Assert.Equal(image.Digest, pulled.Digest);

            // The backends served what the routing promised (the same targets a redirect would have named).
            var blobs = PullVerifier.BlobsFetchedBy(client, image);
            var children = PullVerifier.ChildManifestsFetchedBy(client, image);
            var backends = await PullVerifier.VerifyAsync(bed, location, repository, blobs, marks, manifestsByDigest: children);

            // Archeio answered every request of the client itself.
            var access = (await bed.ArcheioAccessSinceAsync(archeioMark))
                .Where(e => e.GetProperty("ClientIp").GetString() == location.ClientIp)
                .ToList();
            Assert.NotEmpty(access);
            Assert.DoesNotContain(access, e => Status(e) is >= 300 and < 400);
            var registry = access.Where(e => Path(e).StartsWith("/v2/" + repository + "/", StringComparison.Ordinal)).ToList();
            Assert.All(registry, e => Assert.StartsWith("proxy:", Decision(e), StringComparison.Ordinal));
            Assert.All(access.Except(registry), e => Assert.Equal("/v2/", Path(e)));

            var s3Host = new Uri(bed.S3FrontBucketUrl).Authority;
            var upstreamHost = new Uri(bed.UpstreamRegistry.BaseUrl).Authority;
            foreach (var entry in registry)
            {
                var (expected, host) = ExpectedSource(location, entry) == PullTestBed.S3 ? (MirrorDecision, s3Host) : (UpstreamDecision, upstreamHost);
                Assert.True(expected == Decision(entry), $"{Method(entry)} {Path(entry)}: Archeio's decision {Decision(entry)}, expected {expected}");
                Assert.Equal(host, entry.GetProperty("TargetHost").GetString());
                Assert.True(Status(entry) is 200, $"{Method(entry)} {Path(entry)} answered {Status(entry)}");
            }

            // Every blob and manifest the client needed came through Archeio, proxied.
            var gets = registry.Where(e => Method(e) == "GET").ToList();
            Assert.Superset(blobs.ToHashSet(StringComparer.Ordinal), gets.Where(e => Path(e).Contains("/blobs/", StringComparison.Ordinal)).Select(Reference).ToHashSet(StringComparer.Ordinal));
            Assert.Superset(children.ToHashSet(StringComparer.Ordinal), gets.Where(e => Path(e).Contains("/manifests/", StringComparison.Ordinal)).Select(Reference).ToHashSet(StringComparer.Ordinal));
            Assert.Contains(registry, e => Path(e) == $"/v2/{repository}/manifests/{PullTestBed.Tag}" && Decision(e) == UpstreamDecision);

            // Every GET the backends logged is one Archeio proxied: none came from the client.
            AssertEveryBackendGetWasProxied(bed.S3Mirror.AccessLog, marks, gets, MirrorDecision, "/" + PullTestBed.Bucket + "/containers/");
            AssertEveryBackendGetWasProxied(bed.UpstreamRegistry.AccessLog, marks, gets, UpstreamDecision, "/v2/" + PullTestBed.UpstreamRepository(imageName) + "/");
            bed.Nginx.Refresh();
            Assert.DoesNotContain(bed.Nginx.StaticLog.Since(marks[bed.Nginx.StaticLog]), e => e.Method == "GET" && !e.Path.EndsWith(bed.ProbeDigest, StringComparison.Ordinal));

            var fromMirror = gets.Count(e => Decision(e) == MirrorDecision);
            return string.Create(
                CultureInfo.InvariantCulture,
                $"{backends}; Archeio answered all {registry.Count} registry requests itself (0 redirects): {fromMirror} GETs proxy:mirror:s3, {gets.Count - fromMirror} proxy:upstream:default");
        }, cleanup: async () =>
        {
            await bed.Client(client).ResetAsync();
        });
    }

    /// <summary>
    /// Each GET of <paramref name="log"/> since the mark (under <paramref name="prefix"/>; the probes' object aside) is
    /// matched by a GET Archeio proxied from that source for the same reference: the backend saw no more GETs of an
    /// object than Archeio fetched.
    /// </summary>
    private void AssertEveryBackendGetWasProxied(AccessLog log, IReadOnlyDictionary<AccessLog, int> marks, List<JsonElement> archeioGets, string decision, string prefix)
    {
        var backendGets = log.Since(marks[log])
            .Where(e => e.Method == "GET" && e.Path.StartsWith(prefix, StringComparison.Ordinal))
            // The object's digest as logged, decoded: signed URLs percent-encode its ':' (S3's canonical path).
            .GroupBy(e => Uri.UnescapeDataString(e.Path[(e.Path.LastIndexOf('/') + 1)..]), StringComparer.Ordinal)
            .Where(group => group.Key != bed.ProbeDigest);
        foreach (var group in backendGets)
        {
            var proxied = archeioGets.Count(e => Decision(e) == decision && Reference(e) == group.Key);
            Assert.True(
                group.Count() <= proxied,
                $"{log.Backend} logged {group.Count()} GET(s) of {group.Key}, Archeio proxied {proxied} from {decision}: a request came from elsewhere\n{AccessLogWaiter.Describe(log.Since(marks[log]))}");
        }
    }

    /// <summary>Where the routing promises a request's content: s3 for the blobs and manifests by digest it holds, else the upstream.</summary>
    private string ExpectedSource(ClientLocation location, JsonElement entry)
    {
        var path = Path(entry);
        var reference = Reference(entry);
        if (path.Contains("/blobs/", StringComparison.Ordinal))
        {
            return bed.ExpectedBackend(location, reference);
        }

        return path.Contains("/manifests/sha256:", StringComparison.Ordinal)
            ? bed.ExpectedManifestBackend(location, reference, PullTestBed.Upstream)
            : PullTestBed.Upstream;
    }

    private static string Path(JsonElement entry) => entry.GetProperty("Path").GetString()!;

    private static string Method(JsonElement entry) => entry.GetProperty("Method").GetString()!;

    private static string Decision(JsonElement entry) => entry.GetProperty("Decision").GetString()!;

    private static int Status(JsonElement entry) => entry.GetProperty("Status").GetInt32();

    private static string Reference(JsonElement entry) => Uri.UnescapeDataString(Path(entry)[(Path(entry).LastIndexOf('/') + 1)..]);
}
