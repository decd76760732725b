using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// The whole pull test bed, on 127.0.0.1 only, started once for the collection:
/// <list type="bullet">
/// <item>the upstream: Distribution 2.8 holding the images under <c>project/bed/…</c>;</item>
/// <item>the signature upstream: a second Distribution holding only a cosign-style <c>.sig</c> tag;</item>
/// <item>mirrors: s3rver (bucket <c>mirror</c>, for AWS eu-west-3 clients), private: reachable only through a
/// <see cref="SigV4BucketFront"/> that refuses every request whose SigV4 signature does not verify (Archeio signs
/// with <c>Mirrors:N:Signing</c>, so every client in the bed pulls through a signed mirror), and an nginx directory
/// (for clients in no cloud), seeded from the upstream's blobs with some left out, so that fallbacks run; a closed port and a
/// server that never answers (for AWS us-east-1 clients);</item>
/// <item>Archeio, the real process, with the real cloud ranges;</item>
/// <item>nginx as the load balancer: one port per client location, adding <c>X-Forwarded-For: &lt;client&gt;, 127.0.0.1</c>.</item>
/// </list>
/// Clients talk to the load balancer only. Public only because xunit hands it to public test classes.
/// </summary>
public sealed class PullTestBed : IAsyncLifetime, IDisposable
{
    internal const string UpstreamPath = "project";
    internal const string Bucket = "mirror";
    internal const string S3 = "s3";
    internal const string Static = "static";
    internal const string Upstream = "upstream";
    internal const string Signatures = "signatures";
    internal const string Tag = "v1";

    /// <summary>The s3 mirror's SigV4 scope: the region the front accepts and Archeio signs for.</summary>
    internal const string S3Region = "eu-west-3";

    /// <summary>The s3 mirror's access key id (the secret is made per run: <see cref="S3SecretKey"/>).</summary>
    internal const string S3AccessKeyId = "AKIAARCHEIOBED";

    /// <summary>The environment variables Archeio reads the s3 mirror's key pair from (<c>Signing:*Variable</c>).</summary>
    internal const string S3AccessKeyIdVariable = "BED_S3_ACCESS_KEY_ID";

    internal const string S3SecretKeyVariable = "BED_S3_SECRET_ACCESS_KEY";

    /// <summary>The blob-check timeout Archeio runs with here, short so the hanging mirror costs little.</summary>
    internal static readonly TimeSpan BlobCheckTimeout = TimeSpan.FromSeconds(1);

    /// <summary>How often Archeio probes the s3 and static mirrors here: several probes of each during the bed's run.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    internal static readonly ClientLocation AwsEuWest3 = new("aws-eu-west-3", "35.180.1.1", [S3]);
    internal static readonly ClientLocation Gcp = new("gcp", "35.220.26.1", []);
    internal static readonly ClientLocation NoCloud = new("no-cloud", "192.168.0.1", [Static]);

    /// <summary>AWS us-east-1 (15.181.232.0/21 in the AWS file): its rule lists a closed port, then a hanging server.</summary>
    internal static readonly ClientLocation AwsUsEast1 = new("aws-us-east-1", "15.181.232.1", ["down", "hang"]);

    /// <summary>RIPE NCC's 193.0.6.139 is in the Netherlands (the country database): a country rule sends it to s3.</summary>
    internal static readonly ClientLocation Netherlands = new("nl", "193.0.6.139", [S3]);

    /// <summary>
    /// A restricted network (10.0.0.0/8, private: no cloud, no country): its rule (<c>Match:Networks</c>, <c>Action: Proxy</c>,
    /// the s3 mirror) proxies, so Archeio answers every request itself and the client never learns a backend's address
    /// (<see cref="RestrictedNetworkTests"/>).
    /// </summary>
    internal static readonly ClientLocation Restricted = new("restricted", "10.20.30.40", [S3]);

    /// <summary>The network <see cref="Restricted"/>'s rule matches.</summary>
    internal const string RestrictedNetwork = "10.0.0.0/8";

    /// <summary>
    /// A client under a tiny rate limit (<see cref="RateLimitPullTests"/>): the limit <c>bed-clients</c> matches its
    /// address alone, one request a second with a burst of one. No other location is limited.
    /// </summary>
    internal static readonly ClientLocation RateLimited = new("rate-limited", "198.51.100.77", []);

    internal static readonly IReadOnlyList<ClientLocation> MatrixLocations = [AwsEuWest3, Gcp, NoCloud, Netherlands];

    /// <summary>Every location, for the cases that run from each (the signature pull).</summary>
    internal static readonly IReadOnlyList<ClientLocation> AllLocations = [AwsEuWest3, Gcp, NoCloud, AwsUsEast1, Netherlands];

    internal static readonly IReadOnlyList<string> ImageNames = ["single", "multi", "large"];

    /// <summary>Tags of <c>bed/single</c>, for pagination.</summary>
    internal static readonly IReadOnlyList<string> PaginationTags = ["v1", "v2", "v3", "v4", "v5"];

    private readonly TempDirectory _work = new("pull-bed");
    private readonly HttpClient _http = new();
    private readonly ConcurrentQueue<PullMatrixRow> _rows = new();
    private readonly Dictionary<string, IPullClient> _clients = [];
    private readonly HashSet<string> _inS3 = new(StringComparer.Ordinal);
    private readonly HashSet<string> _inStatic = new(StringComparer.Ordinal);
    private readonly HashSet<string> _manifestsInS3 = new(StringComparer.Ordinal);
    private TempConfig? _config;

    internal RegistryProcess UpstreamRegistry { get; private set; } = null!;

    internal RegistryProcess SignatureRegistry { get; private set; } = null!;

    internal S3rverProcess S3Mirror { get; private set; } = null!;

    /// <summary>The only way to the s3 mirror for clients and Archeio: verifies SigV4 with AWS's JavaScript signer.</summary>
    internal SigV4BucketFront S3Front { get; private set; } = null!;

    /// <summary>The s3 mirror's secret access key, made per run (never a constant a test could sign with by accident).</summary>
    internal string S3SecretKey { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(30));

    /// <summary>The s3 mirror's bucket as Archeio's URLs name it: through the front, path-style.</summary>
    internal string S3FrontBucketUrl => S3Front.BaseUrl + "/" + Bucket;

    internal NginxProcess Nginx { get; private set; } = null!;

    internal HangingServer HangingMirror { get; private set; } = null!;

    internal ServerProcess Archeio { get; private set; } = null!;

    internal Dictionary<string, BuiltImage> Images { get; } = [];

    internal BuiltImage Signature { get; private set; } = null!;

    /// <summary>
    /// The object the s3 and static mirrors are probed with: 4 KiB of its own in both, in no image, as an operator would
    /// choose one, so that the probes' GETs are told apart from the pulls' (<see cref="PullVerifier"/> skips it).
    /// </summary>
    internal string ProbeDigest { get; } = global::Archeio.Oci.Digests.Digest.Sha256(ProbeObject);

    private static byte[] ProbeObject { get; } = [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7 % 251))];

    public async Task InitializeAsync()
    {
        Tools.Require("docker-registry", "skopeo", "podman", "containerd", "ctr", "dockerd", "docker", "nginx", "s3rver");
        // Configured into nginx now, bound by Archeio after the pushes: held meanwhile (see Reserve).
        using var archeioReservation = LoopbackPorts.Reserve();
        var archeioPort = archeioReservation.Port;
        var staticRoot = _work.Combine("static");
        Directory.CreateDirectory(Path.Combine(staticRoot, "containers", "images"));

        var upstream = RegistryProcess.StartAsync(Upstream);
        var signatures = RegistryProcess.StartAsync(Signatures);
        var s3 = S3rverProcess.StartAsync(Bucket);
        var nginx = NginxProcess.StartAsync(new NginxOptions
        {
            StaticRoot = staticRoot,
            ArcheioPort = archeioPort,
            LoadBalancers = [.. AllLocations.Append(Restricted).Append(RateLimited).Select(l => (l.Name, l.ClientIp))],
        });
        var single = OciImageBuilder.BuildSinglePlatformAsync(_work.Combine("single"), Tag, seed: 31, variant: "bed");
        var multi = OciImageBuilder.BuildMultiPlatformAsync(_work.Combine("multi"), Tag, seed: 32, variant: "bed");
        var large = OciImageBuilder.BuildLargeAsync(_work.Combine("large"), Tag, seed: 33, variant: "bed");
        UpstreamRegistry = await upstream;
        SignatureRegistry = await signatures;
        S3Mirror = await s3;
        S3Front = await SigV4BucketFront.StartAsync(S3Mirror.BaseUrl, S3AccessKeyId, S3SecretKey, S3Region);
        Nginx = await nginx;
        HangingMirror = new HangingServer();
        Images["single"] = await single;
        Images["multi"] = await multi;
        Images["large"] = await large;

        foreach (var (name, image) in Images)
        {
            await Skopeo.PushAsync(image, UpstreamRegistry.HostPort, UpstreamRepository(name), Tag);
        }

        foreach (var tag in PaginationTags.Where(t => t != Tag))
        {
            await Skopeo.PushAsync(Images["single"], UpstreamRegistry.HostPort, UpstreamRepository("single"), tag);
        }

        // The signature of bed/single:v1 exists only in the signature upstream.
        Signature = await OciImageBuilder.BuildSignatureAsync(
            _work.Combine("signature"), Images["single"].Digest, seed: 34, variant: "bed", dockerReference: "127.0.0.1/bed/single");
        await Skopeo.PushAsync(Signature, SignatureRegistry.HostPort, UpstreamRepository("single"), Signature.Tag);

        await SeedMirrorsAsync(staticRoot);
        _config = new TempConfig(ArcheioConfig());
        archeioReservation.Dispose();
        Archeio = await ServerProcess.StartAsync(archeioPort, new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
            [S3AccessKeyIdVariable] = S3AccessKeyId,
            [S3SecretKeyVariable] = S3SecretKey,
        });

        foreach (var name in PullClients.Names)
        {
            _clients[name] = await PullClients.StartAsync(name);
        }
    }

    internal static string UpstreamRepository(string image) => UpstreamPath + "/" + Repository(image);

    /// <summary>The repository as clients name it through Archeio.</summary>
    internal static string Repository(string image) => "bed/" + image;

    internal IPullClient Client(string name) => _clients[name];

    internal string LoadBalancer(ClientLocation location) => "127.0.0.1:" + Nginx.LoadBalancerPorts[location.Name].ToString(CultureInfo.InvariantCulture);

    /// <summary>Which backend the routing promises for a blob requested from a location.</summary>
    internal string ExpectedBackend(ClientLocation location, string digest)
    {
        // The signature image's blobs exist only in the signature upstream, which every rule lists as a
        // candidate: found there, from every location.
        if (Signature.BlobDigests.Contains(digest))
        {
            return Signatures;
        }

        foreach (var mirror in location.Mirrors)
        {
            if ((mirror == S3 && _inS3.Contains(digest)) || (mirror == Static && _inStatic.Contains(digest)))
            {
                return mirror;
            }
        }

        return Upstream;
    }

    /// <summary>
    /// Which backend the routing promises for a manifest GET by digest from a location: the s3 mirror for the platform
    /// manifests of <c>bed/multi</c> (the only manifests it holds, under <c>containers/manifests/</c>) when the location's
    /// rule lists it, else <paramref name="manifestsFrom"/> (the upstream, or the signature upstream for a signature).
    /// </summary>
    internal string ExpectedManifestBackend(ClientLocation location, string digest, string manifestsFrom)
        => location.Mirrors.Contains(S3) && _manifestsInS3.Contains(digest) ? S3 : manifestsFrom;

    /// <summary>The access logs of every backend a blob or manifest can come from.</summary>
    internal IReadOnlyList<AccessLog> BackendLogs => [UpstreamRegistry.AccessLog, S3Mirror.AccessLog, Nginx.StaticLog, SignatureRegistry.AccessLog];

    internal IReadOnlyDictionary<AccessLog, int> Mark() => BackendLogs.ToDictionary(log => log, log => log.Mark());

    /// <summary>The number of Archeio log lines so far, to read its access log from there on.</summary>
    internal int MarkArcheio() => Archeio.StandardOutput.Count;

    /// <summary>Archeio's access-log entries (event 1) since a mark, complete (see <see cref="ServerProcess.AccessLogSinceAsync"/>).</summary>
    internal Task<IReadOnlyList<JsonElement>> ArcheioAccessSinceAsync(int mark) => Archeio.AccessLogSinceAsync(_http, mark);

    internal void Record(PullMatrixRow row) => _rows.Enqueue(row);

    /// <summary>
    /// Runs one cell of a table (<paramref name="test"/> returns its detail) and records its row, passed or failed
    /// (a failure's detail is the exception's first line, and the exception goes on); <paramref name="cleanup"/> runs
    /// first either way (e.g. a client's reset).
    /// </summary>
    internal async Task RecordAsync(string @case, string client, string location, string image, Func<Task<string>> test, Func<Task>? cleanup = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        var passed = false;
        var detail = string.Empty;
        try
        {
            detail = await test();
            passed = true;
        }
        catch (Exception ex)
        {
            detail = ex.GetType().Name + ": " + ex.Message.Split('\n')[0];
            throw;
        }
        finally
        {
            if (cleanup is not null)
            {
                await cleanup();
            }

            Record(new PullMatrixRow(@case, client, location, image, passed, detail, TimeProvider.System.GetElapsedTime(started)));
        }
    }

    private async Task SeedMirrorsAsync(string staticRoot)
    {
        await S3Mirror.PutAsync("containers/images/" + ProbeDigest, ProbeObject);

        // The s3 mirror also holds bed/multi's platform manifests by digest (as Geranos writes them): every client
        // gets the index by tag from the upstream and the platform manifest by digest from s3.
        var multi = Images["multi"];
        foreach (var child in multi.ChildManifestDigests)
        {
            await S3Mirror.PutAsync("containers/manifests/" + child, await File.ReadAllBytesAsync(multi.BlobPath(child)), OciMediaTypes.ImageManifest);
            _manifestsInS3.Add(child);
        }

        await File.WriteAllBytesAsync(Path.Combine(staticRoot, "containers", "images", ProbeDigest), ProbeObject);

        // Some blobs are left out of each mirror, so that the fall-through to the upstream runs:
        // the s3 mirror lacks each platform's first layer, the static mirror each platform's config.
        var leftOutOfS3 = Images.Values.SelectMany(i => i.Platforms.Values).Select(p => p.LayerDigests[0]).ToHashSet(StringComparer.Ordinal);
        var leftOutOfStatic = Images.Values.SelectMany(i => i.Platforms.Values).Select(p => p.ConfigDigest).ToHashSet(StringComparer.Ordinal);
        foreach (var image in Images.Values)
        {
            foreach (var digest in image.BlobDigests)
            {
                var key = "containers/images/" + digest;
                if (!leftOutOfS3.Contains(digest) && _inS3.Add(digest))
                {
                    await using var content = File.OpenRead(image.BlobPath(digest));
                    await S3Mirror.PutAsync(key, content);
                }

                if (!leftOutOfStatic.Contains(digest) && _inStatic.Add(digest))
                {
                    File.Copy(image.BlobPath(digest), Path.Combine(staticRoot, key));
                }
            }
        }
    }

    private JsonObject ArcheioConfig()
    {
        // A port that was free a moment ago and that nothing listens on: connections are refused.
        var closedPort = LoopbackPorts.Free();
        JsonObject Rule(string? cloud, string? region, params string[] mirrors)
        {
            var match = new JsonObject();
            if (cloud is not null)
            {
                match["Cloud"] = cloud;
            }

            if (region is not null)
            {
                match["Regions"] = new JsonArray(region);
            }

            return new JsonObject { ["Match"] = match, ["Mirrors"] = new JsonArray([.. mirrors.Select(m => (JsonNode)m)]) };
        }

        JsonObject CountryRule(string country, params string[] mirrors)
        {
            var rule = Rule(null, null, mirrors);
            rule["Match"] = new JsonObject { ["Countries"] = new JsonArray(country) };
            return rule;
        }

        JsonObject Networks(JsonObject rule, params string[] networks)
        {
            rule["Match"] = new JsonObject { ["Networks"] = new JsonArray([.. networks.Select(n => (JsonNode)n)]) };
            return rule;
        }

        JsonObject Proxying(JsonObject rule)
        {
            rule["Action"] = "Proxy";
            return rule;
        }

        JsonObject Mirror(string name, string baseUrl) => new() { ["Name"] = name, ["BlobUrl"] = baseUrl + "/containers/images/{digest}" };

        JsonObject Signed(JsonObject mirror)
        {
            mirror["Signing"] = new JsonObject
            {
                ["Kind"] = "S3",
                ["Region"] = S3Region,
                ["AccessKeyIdVariable"] = S3AccessKeyIdVariable,
                ["SecretAccessKeyVariable"] = S3SecretKeyVariable,
            };
            return mirror;
        }

        JsonObject WithManifests(JsonObject mirror, string baseUrl)
        {
            mirror["ManifestUrl"] = baseUrl + "/containers/manifests/{digest}";
            return mirror;
        }

        // The two real stores are probed as clients fetch (HEAD, a range, the whole object), with a blob both hold:
        // a probe that wrongly failed on s3rver or nginx would take the mirror out and break the matrix's backend checks.
        JsonObject Probed(JsonObject mirror)
        {
            mirror["Probe"] = ProbeDigest;
            return mirror;
        }

        return new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject
            {
                ["Endpoint"] = UpstreamRegistry.BaseUrl,
                ["Path"] = UpstreamPath,
                ["SignatureEndpoint"] = SignatureRegistry.BaseUrl,
            },
            ["Mirrors"] = new JsonArray(
                Signed(WithManifests(Probed(Mirror(S3, S3FrontBucketUrl)), S3FrontBucketUrl)),
                Probed(Mirror(Static, Nginx.StaticBaseUrl)),
                Mirror("down", "http://127.0.0.1:" + closedPort.ToString(CultureInfo.InvariantCulture)),
                Mirror("hang", "http://127.0.0.1:" + HangingMirror.Port.ToString(CultureInfo.InvariantCulture))),
            // Every rule lists the signature upstream as a candidate too, so that the blobs of a signature
            // (which only it holds) are found there; before the broken mirrors, which use up the budget.
            ["Rules"] = new JsonArray(
                Proxying(Networks(Rule(null, null, S3), RestrictedNetwork)),
                Rule("GCP", null, "signature-upstream"),
                Rule("AWS", "eu-west-3", S3, "signature-upstream"),
                Rule("AWS", "us-east-1", "signature-upstream", "down", "hang"),
                CountryRule("NL", S3, "signature-upstream"),
                Rule(null, null, Static, "signature-upstream")),
            ["Geo"] = new JsonObject { ["CountryDatabase"] = Geo.GeoDatabases.CountryMmdb },
            ["BlobCheck"] = new JsonObject { ["Timeout"] = BlobCheckTimeout.ToString("c", CultureInfo.InvariantCulture) },
            ["Probes"] = new JsonObject { ["Interval"] = ProbeInterval.ToString("c", CultureInfo.InvariantCulture) },
            ["RateLimits"] = new JsonArray(new JsonObject
            {
                ["Name"] = "bed-clients", ["Match"] = new JsonObject { ["Networks"] = new JsonArray(RateLimited.ClientIp + "/32") },
                ["PermitsPerMinute"] = 60, ["Burst"] = 1,
            }),
        };
    }

    /// <summary>Writes the matrix as a Markdown table, which scripts/test.sh prints at the end of the run.</summary>
    private void WriteMatrix()
    {
        var rows = _rows.OrderBy(r => r.Case, StringComparer.Ordinal).ThenBy(r => r.Client, StringComparer.Ordinal)
            .ThenBy(r => r.Location, StringComparer.Ordinal).ThenBy(r => r.Image, StringComparer.Ordinal).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var text = new StringBuilder();
        text.AppendLine("| case | client | location | image | result | blobs from | time |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Case} | {row.Client} | {row.Location} | {row.Image} | {(row.Passed ? "pass" : "FAIL")} | {row.Detail.Replace('|', '/')} | {row.Elapsed.TotalSeconds:F1} s |");
        }

        var directory = Path.Combine(Tools.RepositoryRoot, "artifacts", "test-results");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "pull-matrix.md"), text.ToString());
    }

    public async Task DisposeAsync()
    {
        WriteMatrix();
        foreach (var client in _clients.Values)
        {
            await client.DisposeAsync();
        }

        foreach (var part in new IAsyncDisposable?[] { Archeio, Nginx, S3Front, S3Mirror, SignatureRegistry, UpstreamRegistry, HangingMirror })
        {
            if (part is not null)
            {
                await part.DisposeAsync();
            }
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _config?.Dispose();
        _work.Dispose();
    }
}
