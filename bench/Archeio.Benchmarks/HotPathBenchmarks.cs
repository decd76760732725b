using System.Net;
using Archeio.Blobs;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.Upstreams;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Archeio.Benchmarks;

/// <summary>
/// The routing decision for a blob whose answer is cached, through <see cref="RequestRouter.RouteAsync"/>, the one
/// routing component the handler and <c>archeio explain</c> call (constructed directly, as the unit tests do; no
/// HTTP): parse the raw target, resolve the client from <c>X-Forwarded-For</c>, look it up in the real cloud ranges,
/// match the rules, hit the blob-check cache, build the <c>Location</c>. Then each piece alone. Every benchmark visits 1,024 different requests
/// (digests and clients) per invocation and reports the time per request. Target (issue 8): the whole
/// decision in at most 400 ns, allocating nothing but the <c>Location</c> string.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class HotPathBenchmarks : IDisposable
{
    private const int Batch = 1024;
    private const string Name = "k8s-artifacts-prod/images/kube-apiserver";

    private static readonly MirrorSettings AwsMirror = new("aws-us-east-1", "https://prod-registry-k8s-io-us-east-1.s3.dualstack.us-east-1.amazonaws.com/containers/images/{digest}", 0);
    private static readonly MirrorSettings GcpMirror = new("gcp", "https://storage.googleapis.com/us.artifacts.k8s-artifacts-prod.appspot.com/containers/images/{digest}", 1);
    private static readonly MirrorSettings DefaultMirror = new("default", "https://prod-registry-k8s-io-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com/containers/images/{digest}", 2);

    /// <summary>The hot path's configuration (three mirrors, rules for AWS, GCP and everyone), for these mirrors (e.g. priced ones).</summary>
    internal static ArcheioSettings SettingsFor(MirrorSettings aws, MirrorSettings gcp, MirrorSettings @default) => new()
    {
        Port = 8080,
        InfoUrl = "https://info.example/",
        PrivacyUrl = "https://info.example/privacy",
        Upstream = new UpstreamSettings("https://registry.example", "project/images", null, ""),
        ClientIp = new ClientIpSettings(1, []),
        Ranges = [],
        Mirrors = [aws, gcp, @default],
        Candidates = [aws, gcp, @default],
        Rules =
        [
            new RuleSettings("aws", ["us-east-1", "us-east-2"], [aws, @default]) { Index = 0 },
            new RuleSettings("gcp", [], [gcp, @default]) { Index = 1 },
            new RuleSettings(null, [], [@default]) { Index = 2 },
        ],
        BlobCheck = BlobCheckSettings.Default(null, 100_000),
    };

    private ArcheioSettings _settings = null!;
    private Router _router = null!;
    private ClientIpResolver _resolver = null!;
    private IpRangeTableHolder _ranges = null!;
    private GeoLookup _geo = null!;
    private BlobChecker _checker = null!;
    private RequestRouter _routing = null!;

    private string[] _targets = [];
    private StringValues[] _forwardedFor = [];
    private IPAddress[] _clients = [];
    private RegistryRequest[] _parsed = [];
    private RequestFacts[] _requests = [];
    private BlobPlan[] _plans = [];
    private Candidate[] _holders = [];
    private readonly IPAddress _peer = IPAddress.Parse("10.0.0.1");

    [GlobalSetup]
    public void Setup()
    {
        _settings = SettingsFor(AwsMirror, GcpMirror, DefaultMirror);
        _router = new Router(_settings);
        _resolver = new ClientIpResolver(_settings.ClientIp);
        _ranges = new IpRangeTableHolder();
        _ranges.Replace(HotPathData.Table);
        _geo = new GeoLookup(GeoSettings.None, NullLogger<GeoLookup>.Instance);
        _checker = new BlobChecker(
            new NoHttpClientFactory(), _settings, new MirrorInventories(), NullBlobResultStore.Instance, new BlobCheckCounters(),
            TimeProvider.System, NullLogger<BlobChecker>.Instance);
        _routing = new RequestRouter(_router, _resolver, _ranges, _geo, _checker, new UpstreamHealthBoard(_settings, TimeProvider.System), _settings, TimeProvider.System);

        var random = new Random(8);
        var v4 = HotPathData.V4Addresses(Batch, random);
        _targets = new string[Batch];
        _forwardedFor = new StringValues[Batch];
        _clients = new IPAddress[Batch];
        Span<byte> bytes = stackalloc byte[32];
        for (var i = 0; i < Batch; i++)
        {
            random.NextBytes(bytes);
            var digest = "sha256:" + Convert.ToHexStringLower(bytes);
            _targets[i] = $"/v2/{Name}/blobs/{digest}";
            _clients[i] = HotPathData.ToAddress(v4[i]);
            // Google Cloud's load balancer convention: <client>, <load balancer>.
            _forwardedFor[i] = new StringValues(_clients[i] + ", 34.96.0.1");
            foreach (var mirror in _settings.Mirrors)
            {
                _checker.Cache.Set(new BlobKey(mirror.Index, DigestKey.From(digest)), true, TimeSpan.FromHours(24));
            }
        }

        _parsed = [.. _targets.Select(RequestTargetParser.Parse)];
        _requests = new RequestFacts[Batch];
        _plans = new BlobPlan[Batch];
        _holders = new Candidate[Batch];
        for (var i = 0; i < Batch; i++)
        {
            _ranges.Current.TryLookup(_clients[i], out var location);
            _requests[i] = new RequestFacts("GET", _parsed[i], new ClientFacts(_clients[i], null, location));
            _plans[i] = (BlobPlan)_router.Decide(_requests[i]);
            _holders[i] = _plans[i].Candidates[0];
        }
    }

    /// <summary>What <see cref="Setup"/> built, for benchmarks of steps around the same routing (RateLimitBenchmarks).</summary>
    internal ArcheioSettings Settings => _settings;

    internal RequestRouter Routing => _routing;

    internal IReadOnlyList<string> Targets => _targets;

    internal IReadOnlyList<StringValues> ForwardedFor => _forwardedFor;

    internal IPAddress Peer => _peer;

    [GlobalCleanup]
    public void Dispose()
    {
        _checker?.Dispose();
        _geo?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The whole decision for a cached blob: <see cref="RequestRouter.RouteAsync"/>, which completes synchronously.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int DecideCachedBlob()
    {
        var length = 0;
        for (var i = 0; i < Batch; i++)
        {
            var routed = _routing.RouteAsync("GET", _targets[i], _peer, _forwardedFor[i], CancellationToken.None);
            if (!routed.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("a cached blob must be decided synchronously");
            }

            length += ((Redirect)routed.Result.Decision).Location.Length;
        }

        return length;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ParseTarget()
    {
        var length = 0;
        foreach (var target in _targets)
        {
            length += RequestTargetParser.Parse(target).Reference.Length;
        }

        return length;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int ResolveClient()
    {
        var found = 0;
        foreach (var header in _forwardedFor)
        {
            found += _resolver.Resolve(_peer, header).Address is null ? 0 : 1;
        }

        return found;
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int LookupClient()
    {
        var found = 0;
        var table = _ranges.Current;
        foreach (var client in _clients)
        {
            found += table.TryLookup(client, out _) ? 1 : 0;
        }

        return found;
    }

    /// <summary>Router.Decide: match the rules, name the plan (built once per rule and share).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int RouterDecide()
    {
        var count = 0;
        for (var i = 0; i < Batch; i++)
        {
            count += ((BlobPlan)_router.Decide(_requests[i])).Candidates.Length;
        }

        return count;
    }

    /// <summary>The blob checker's answer for the first candidate, found in the local cache.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int CacheHit()
    {
        var present = 0;
        for (var i = 0; i < Batch; i++)
        {
            var answer = _checker.ExistsAsync(_holders[i], _parsed[i].Name, _parsed[i].Reference, default);
            present += answer.IsCompletedSuccessfully && answer.Result ? 1 : 0;
        }

        return present;
    }

    /// <summary>The synchronous form the router component takes first: inventory, then cache, no ValueTask.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int CacheHitKnown()
    {
        var present = 0;
        for (var i = 0; i < Batch; i++)
        {
            present += _checker.TryGetKnown(_holders[i], _parsed[i].Name, _parsed[i].Reference, out var answer) && answer ? 1 : 0;
        }

        return present;
    }

    /// <summary>The plan's redirect for the holder: its Location built.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int BuildLocation()
    {
        var length = 0;
        for (var i = 0; i < Batch; i++)
        {
            length += _plans[i].RedirectTo(_holders[i], _parsed[i]).Location.Length;
        }

        return length;
    }

    internal sealed class NoHttpClientFactory : IHttpClientFactory
    {
        public HttpClient CreateClient(string name) => new();
    }
}
