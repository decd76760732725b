using System.Diagnostics.Metrics;
using System.Net;
using Archeio.Blobs;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Metrics;
using Archeio.Ranges.Table;
using Archeio.Routing;
using Archeio.Upstreams;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Archeio.Benchmarks;

/// <summary>
/// What counting bytes per target adds to a cached blob's path (issue 19, part 3): the decision of
/// <see cref="HotPathBenchmarks.DecideCachedBlob"/> (whose cache answers now carry the blob's size, read in the same
/// lookup) as the baseline, then the same decision counted by <see cref="EgressMetrics.Redirected"/>, as the handler
/// does after writing the 307, for priced mirrors. 1,024 requests (digests and clients) per invocation, time per request.
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class EgressCountingBenchmarks : IDisposable
{
    private const int Batch = 1024;
    private const string Name = "k8s-artifacts-prod/images/kube-apiserver";

    private static readonly MirrorSettings AwsMirror = new("aws-us-east-1", "https://prod-registry-k8s-io-us-east-1.s3.dualstack.us-east-1.amazonaws.com/containers/images/{digest}", 0, PricePerGiB: 0.09);
    private static readonly MirrorSettings GcpMirror = new("gcp", "https://storage.googleapis.com/us.artifacts.k8s-artifacts-prod.appspot.com/containers/images/{digest}", 1, PricePerGiB: 0.12);
    private static readonly MirrorSettings DefaultMirror = new("default", "https://prod-registry-k8s-io-eu-west-1.s3.dualstack.eu-west-1.amazonaws.com/containers/images/{digest}", 2, PricePerGiB: 0.085);

    private ServiceProvider _services = null!;
    private BlobChecker _checker = null!;
    private RequestRouter _routing = null!;
    private EgressMetrics _egress = null!;
    private string[] _targets = [];
    private StringValues[] _forwardedFor = [];
    private readonly IPAddress _peer = IPAddress.Parse("10.0.0.1");

    [GlobalSetup]
    public void Setup()
    {
        var settings = HotPathBenchmarks.SettingsFor(AwsMirror, GcpMirror, DefaultMirror);
        var ranges = new IpRangeTableHolder();
        ranges.Replace(HotPathData.Table);
        _checker = new BlobChecker(
            new HotPathBenchmarks.NoHttpClientFactory(), settings, new MirrorInventories(), NullBlobResultStore.Instance, new BlobCheckCounters(),
            TimeProvider.System, NullLogger<BlobChecker>.Instance);
        _routing = new RequestRouter(
            new Router(settings), new ClientIpResolver(settings.ClientIp), ranges, new GeoLookup(GeoSettings.None, NullLogger<GeoLookup>.Instance),
            _checker, new UpstreamHealthBoard(settings, TimeProvider.System), settings, TimeProvider.System);
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        _egress = new EgressMetrics(new ArcheioMeter(_services.GetRequiredService<IMeterFactory>()), settings);

        var random = new Random(8);
        var v4 = HotPathData.V4Addresses(Batch, random);
        _targets = new string[Batch];
        _forwardedFor = new StringValues[Batch];
        Span<byte> bytes = stackalloc byte[32];
        for (var i = 0; i < Batch; i++)
        {
            random.NextBytes(bytes);
            var digest = "sha256:" + Convert.ToHexStringLower(bytes);
            _targets[i] = $"/v2/{Name}/blobs/{digest}";
            _forwardedFor[i] = new StringValues(HotPathData.ToAddress(v4[i]) + ", 34.96.0.1");
            foreach (var mirror in settings.Mirrors)
            {
                // Sizes as the HEADs give them: a few KiB to some hundreds of MiB.
                _checker.Cache.Set(new BlobKey(mirror.Index, DigestKey.From(digest)), true, TimeSpan.FromHours(24), size: 4096L << random.Next(16));
            }
        }
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _checker.Dispose();
        _services.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>The decision alone: what a request cost before the counting (the size comes with the cached answer).</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public long Decide()
    {
        var size = 0L;
        for (var i = 0; i < Batch; i++)
        {
            size += Route(i).Size;
        }

        return size;
    }

    /// <summary>The decision and its count for its target: the blob path as the server runs it now.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public long DecideAndCount()
    {
        var size = 0L;
        for (var i = 0; i < Batch; i++)
        {
            var redirect = Route(i);
            _egress.Redirected(redirect);
            size += redirect.Size;
        }

        return size;
    }

    private Redirect Route(int i)
    {
        var routed = _routing.RouteAsync("GET", _targets[i], _peer, _forwardedFor[i], CancellationToken.None);
        return routed.IsCompletedSuccessfully
            ? (Redirect)routed.Result.Decision
            : throw new InvalidOperationException("a cached blob must be decided synchronously");
    }
}
