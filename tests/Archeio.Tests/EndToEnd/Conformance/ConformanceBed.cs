using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The pull-conformance bed, on 127.0.0.1 only, started once for the collection (a few seconds):
/// <list type="bullet">
/// <item>Distribution 2.8 (<see cref="RegistryProcess"/>) holding a single-platform image (tagged seven times, for the
/// tag list) and a two-platform index, under <c>project/conformance/…</c>;</item>
/// <item>an nginx static directory as the object-storage mirror, holding some of the blobs (each platform's first
/// layer is left out, so that the fallback to the upstream runs beside the mirror redirect);</item>
/// <item>Archeio, the real process, with that Distribution as <c>Upstream</c> under <c>Path</c> <c>project</c> and one
/// rule, with an empty <c>Match</c> (the test's loopback address is private: no cloud, no country), listing the
/// mirror.</item>
/// </list>
/// The checks run against Distribution directly (<c>/v2/project/conformance/…</c>) and through Archeio
/// (<c>/v2/conformance/…</c>). Each (check, target) runs once, when a test first asks for it; the table of every
/// result is written to <c>artifacts/test-results/conformance.md</c> when the collection ends, whatever failed.
/// Public only because xunit hands it to public test classes.
/// </summary>
public sealed class ConformanceBed : IAsyncLifetime, IDisposable
{
    internal const string UpstreamPath = "project";
    internal const string Namespace = "conformance";
    internal const string SingleImage = "single";
    internal const string MultiImage = "multi";
    internal const string MirrorName = "static";
    internal const string RegistryName = "Distribution 2.8";
    internal const string Tag = "v1";

    /// <summary>
    /// Tags of the single-platform image. They sort the same in the spec's two allowed orders (case-insensitive and
    /// ASCII): lowercase only, with digits and '.' (which precede letters in both), and "v10" before "v2" (lexical, not
    /// numeric). They are pushed in this order (v1 by skopeo, the others by manifest PUT), which is neither sorted nor
    /// reverse-sorted, so that a registry listing them unsorted is seen to.
    /// </summary>
    internal static readonly IReadOnlyList<string> Tags = ["v1", "1.0", "alpha", "beta", "v1.1", "v10", "v2"];

    private readonly TempDirectory _work = new("conformance");
    private readonly ConcurrentDictionary<(string Check, string Target), Lazy<Task<CheckOutcome>>> _outcomes = new();
    private readonly RedirectingClient _client = new();
    private readonly Dictionary<string, string> _origins = new(StringComparer.Ordinal);
    private TempConfig? _config;
    private Exception? _startFailure;

    internal RegistryProcess Registry { get; private set; } = null!;

    internal NginxProcess Mirror { get; private set; } = null!;

    internal ServerProcess Archeio { get; private set; } = null!;

    internal ConformanceContent Content { get; private set; } = null!;

    internal IReadOnlyDictionary<string, ConformanceTarget> Targets { get; private set; } = new Dictionary<string, ConformanceTarget>();

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch (Exception e)
        {
            _startFailure = e;
            throw;
        }
    }

    /// <summary>The outcome of <paramref name="checkId"/> against <paramref name="targetId"/>, run once.</summary>
    internal Task<CheckOutcome> OutcomeAsync(string checkId, string targetId)
        => _outcomes.GetOrAdd((checkId, targetId), key => new Lazy<Task<CheckOutcome>>(
            () => CheckRun.RunAsync(ConformanceChecks.Get(key.Check), Targets[key.Target], Content, _client, OriginName))).Value;

    /// <summary>Every check's outcome on both targets, running those not run yet.</summary>
    internal async Task<IReadOnlyList<(ConformanceCheck Check, CheckOutcome Registry, CheckOutcome Archeio)>> AllOutcomesAsync()
    {
        var all = new List<(ConformanceCheck, CheckOutcome, CheckOutcome)>();
        foreach (var check in ConformanceChecks.All)
        {
            all.Add((check, await OutcomeAsync(check.Id, ConformanceTarget.RegistryId), await OutcomeAsync(check.Id, ConformanceTarget.ArcheioId)));
        }

        return all;
    }

    /// <summary>The bed's name for whoever answered at <paramref name="uri"/>: registry, mirror, Archeio.</summary>
    internal string OriginName(Uri uri) => _origins.TryGetValue(uri.Authority, out var name) ? name : uri.Authority;

    public async Task DisposeAsync()
    {
        WriteTable();
        _client.Dispose();
        foreach (var part in new IAsyncDisposable?[] { Archeio, Mirror, Registry })
        {
            if (part is not null)
            {
                await part.DisposeAsync();
            }
        }
    }

    public void Dispose()
    {
        _config?.Dispose();
        _work.Dispose();
    }

    private async Task StartAsync()
    {
        Tools.Require("docker-registry", "skopeo", "nginx");
        var mirrorRoot = _work.Combine("mirror");
        Directory.CreateDirectory(Path.Combine(mirrorRoot, "containers", "images"));
        var registry = RegistryProcess.StartAsync("conformance");
        var mirror = NginxProcess.StartAsync(new NginxOptions { StaticRoot = mirrorRoot });
        var single = OciImageBuilder.BuildSinglePlatformAsync(_work.Combine(SingleImage), Tag, seed: 51, variant: "conformance");
        var multi = OciImageBuilder.BuildMultiPlatformAsync(_work.Combine(MultiImage), Tag, seed: 52, variant: "conformance");
        try
        {
            Registry = await registry;
        }
        finally
        {
            Mirror = await mirror;
        }

        // Archeio needs only the two URLs: it starts while the images are pushed.
        _config = new TempConfig(ArcheioConfig());
        var archeio = ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = _config.Path });
        Dictionary<string, BuiltImage> images;
        try
        {
            images = new Dictionary<string, BuiltImage>(StringComparer.Ordinal) { [SingleImage] = await single, [MultiImage] = await multi };
            await Task.WhenAll(images.Select(i => Skopeo.PushAsync(i.Value, Registry.HostPort, UpstreamRepository(i.Key), Tag)));
            await TagAsync(images[SingleImage], Tags.Where(t => t != Tag));
        }
        finally
        {
            Archeio = await archeio;
        }

        var mirrored = SeedMirror(images, mirrorRoot);
        Content = Describe(images, mirrored);
        Targets = new Dictionary<string, ConformanceTarget>(StringComparer.Ordinal)
        {
            [ConformanceTarget.RegistryId] = new(ConformanceTarget.RegistryId, new Uri(Registry.BaseUrl), UpstreamPath + "/" + Namespace),
            [ConformanceTarget.ArcheioId] = new(ConformanceTarget.ArcheioId, Archeio.BaseAddress, Namespace),
        };
        _origins[new Uri(Registry.BaseUrl).Authority] = "registry";
        _origins[new Uri(Mirror.StaticBaseUrl).Authority] = "mirror";
        _origins[Archeio.BaseAddress.Authority] = "Archeio";
    }

    internal static string UpstreamRepository(string image) => UpstreamPath + "/" + Namespace + "/" + image;

    /// <summary>Tags the pushed manifest again with a plain manifest PUT (one request a tag: much faster than skopeo).</summary>
    private async Task TagAsync(BuiltImage image, IEnumerable<string> tags)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var manifest = await File.ReadAllBytesAsync(image.BlobPath(image.Digest));
        foreach (var tag in tags)
        {
            using var content = new ByteArrayContent(manifest);
            content.Headers.ContentType = new MediaTypeHeaderValue(image.MediaType);
            using var response = await http.PutAsync(new Uri($"{Registry.BaseUrl}/v2/{UpstreamRepository(SingleImage)}/manifests/{tag}"), content);
            if (response.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"tagging {tag}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            }
        }
    }

    /// <summary>Copies every blob but each platform's first layer into the mirror; returns the digests it holds.</summary>
    private static HashSet<string> SeedMirror(Dictionary<string, BuiltImage> images, string mirrorRoot)
    {
        var leftOut = images.Values.SelectMany(i => i.Platforms.Values).Select(p => p.LayerDigests[0]).ToHashSet(StringComparer.Ordinal);
        var mirrored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var image in images.Values)
        {
            foreach (var digest in image.BlobDigests.Where(d => !leftOut.Contains(d) && mirrored.Add(d)))
            {
                File.Copy(image.BlobPath(digest), Path.Combine(mirrorRoot, "containers", "images", digest));
            }
        }

        return mirrored;
    }

    private static ConformanceContent Describe(Dictionary<string, BuiltImage> images, HashSet<string> mirrored)
    {
        var manifests = new List<ManifestCase>();
        var blobs = new List<BlobCase>();
        foreach (var (name, image) in images)
        {
            manifests.Add(new ManifestCase(name, Tag, image.Digest, image.MediaType, image.Size));
            manifests.Add(new ManifestCase(name, image.Digest, image.Digest, image.MediaType, image.Size));
            if (image.IsIndex)
            {
                manifests.AddRange(image.Platforms.Values.Select(p => new ManifestCase(name, p.ManifestDigest, p.ManifestDigest, OciMediaTypes.ImageManifest, p.ManifestSize)));
            }

            blobs.AddRange(image.BlobDigests.Select(d => new BlobCase(name, d, File.ReadAllBytes(image.BlobPath(d)), mirrored.Contains(d))));
        }

        return new ConformanceContent(RegistryName, manifests, blobs, SingleImage, Tags, MultiImage, images[SingleImage].Digest);
    }

    private JsonObject ArcheioConfig() => new()
    {
        ["InfoUrl"] = "https://info.example/",
        ["PrivacyUrl"] = "https://info.example/privacy",
        ["Upstream"] = new JsonObject { ["Endpoint"] = Registry.BaseUrl, ["Path"] = UpstreamPath },
        ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = MirrorName, ["BlobUrl"] = Mirror.StaticBaseUrl + "/containers/images/{digest}" }),
        // The test connects from 127.0.0.1, a private address: in no cloud and no country, it fits only a rule with an
        // empty Match.
        ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray(MirrorName) }),
        // Generous: the checks time nothing, and a mirror HEAD that timed out under a loaded machine's test run would
        // send a mirrored blob to the upstream instead.
        ["BlobCheck"] = new JsonObject { ["Timeout"] = "00:00:10" },
        ["Debug"] = new JsonObject { ["RouteHeader"] = true },
    };

    /// <summary>Writes <c>artifacts/test-results/conformance.md</c>: every check, run or not, with what is known.</summary>
    private void WriteTable()
    {
        var blobs = Content?.Blobs ?? [];
        var setting = Content is null
            ? "The bed did not start, so no check ran."
            : $"Statuses are those after redirects are followed, as a client does (307/308 keep the method and headers; `Authorization` "
              + $"never crosses origins). **registry**: {RegistryName} (Debian's docker-registry), `/v2/{UpstreamPath}/{Namespace}/…`. "
              + $"**through Archeio**: `/v2/{Namespace}/…` with `Upstream:Path` `{UpstreamPath}`; its rule lists one mirror (an nginx "
              + $"static directory) holding {blobs.Count(b => b.Mirrored)} of the {blobs.Count} blobs, the rest fall back to the upstream.";
        var text = ConformanceTable.Render(ConformanceChecks.All, Outcome, setting, _startFailure?.Message.Split('\n')[0]);
        var directory = Path.Combine(Tools.RepositoryRoot, "artifacts", "test-results");
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "conformance.md"), text);
    }

    private CheckOutcome Outcome(string check, string target)
        => _outcomes.TryGetValue((check, target), out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully
            ? lazy.Value.Result
            : CheckOutcome.NotRun;
}
