using System.Net;
using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Archeio.Blobs;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Table;
using Archeio.Routing;
using Archeio.Signing;
using Archeio.Upstreams;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;

namespace Archeio.Benchmarks;

/// <summary>
/// What signing costs a cached blob's redirect (issue 19): the whole decision through <see cref="RequestRouter.RouteAsync"/>
/// (as <see cref="HotPathBenchmarks.DecideCachedBlob"/>: 1,024 digests and clients per invocation, the real cloud ranges)
/// for one mirror unsigned (the baseline) and signed each way; then the S3 presigner alone against AWSSDK.S3's
/// <c>GetPreSignedURL</c>, the measurement behind writing SigV4 by hand (Signing/S3Presigner.cs).
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class SigningBenchmarks : IDisposable
{
    private const int Batch = 1024;
    private const string Url = "https://prod-registry-k8s-io-us-east-1.s3.dualstack.us-east-1.amazonaws.com/containers/images/{digest}";

    private readonly List<IDisposable> _disposables = [];
    private readonly string _keys = Directory.CreateTempSubdirectory("archeio-bench-keys-").FullName;
    private readonly IPAddress _peer = IPAddress.Parse("10.0.0.1");
    private string[] _targets = [];
    private StringValues[] _forwardedFor = [];
    private RequestRouter _unsigned = null!;
    private RequestRouter _s3 = null!;
    private RequestRouter _cloudFrontEcdsa = null!;
    private RequestRouter _cloudFrontRsa = null!;
    private RequestRouter _azure = null!;
    private UrlSigner _presigner = null!;
    private AmazonS3Client _sdk = null!;
    private string[] _keysOfObjects = [];

    [GlobalSetup]
    public void Setup()
    {
        Environment.SetEnvironmentVariable("ARCHEIO_BENCH_KEY_ID", "AKIAIOSFODNN7EXAMPLE");
        Environment.SetEnvironmentVariable("ARCHEIO_BENCH_SECRET", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        Environment.SetEnvironmentVariable("ARCHEIO_BENCH_AZURE_KEY", Convert.ToBase64String(RandomNumberGenerator.GetBytes(64)));
        var ecdsa = Path.Combine(_keys, "ecdsa.pem");
        File.WriteAllText(ecdsa, ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem());
        var rsa = Path.Combine(_keys, "rsa.pem");
        File.WriteAllText(rsa, RSA.Create(2048).ExportPkcs8PrivateKeyPem());
        var s3 = new S3Signing(SigningSettings.DefaultExpires, "us-east-1", "s3", "ARCHEIO_BENCH_KEY_ID", "ARCHEIO_BENCH_SECRET", null);

        var random = new Random(19);
        var v4 = HotPathData.V4Addresses(Batch, random);
        _targets = new string[Batch];
        _forwardedFor = new StringValues[Batch];
        _keysOfObjects = new string[Batch];
        var digests = new string[Batch];
        Span<byte> bytes = stackalloc byte[32];
        for (var i = 0; i < Batch; i++)
        {
            random.NextBytes(bytes);
            digests[i] = "sha256:" + Convert.ToHexStringLower(bytes);
            _targets[i] = "/v2/k8s-artifacts-prod/images/kube-apiserver/blobs/" + digests[i];
            _forwardedFor[i] = new StringValues(HotPathData.ToAddress(v4[i]) + ", 34.96.0.1");
            _keysOfObjects[i] = "containers/images/" + digests[i];
        }

        _unsigned = Routing(null, digests);
        _s3 = Routing(s3, digests);
        _cloudFrontEcdsa = Routing(new CloudFrontSigning(SigningSettings.DefaultExpires, "K2JCJMDEHXQW5F", ecdsa), digests);
        _cloudFrontRsa = Routing(new CloudFrontSigning(SigningSettings.DefaultExpires, "K2JCJMDEHXQW5F", rsa), digests);
        _azure = Routing(new AzureSasSigning(SigningSettings.DefaultExpires, "account", "ARCHEIO_BENCH_AZURE_KEY", null), digests, "https://account.blob.core.windows.net/images/containers/images/{digest}");

        _presigner = new S3Presigner(s3, S3Credentials.For(s3), TimeProvider.System);
        _sdk = new AmazonS3Client(new BasicAWSCredentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"), Amazon.RegionEndpoint.USEast1);
        _disposables.Add(_sdk);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        Directory.Delete(_keys, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Batch)]
    public int NotSigned() => Decide(_unsigned);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int S3SigV4() => Decide(_s3);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int CloudFrontEcdsaP256() => Decide(_cloudFrontEcdsa);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int CloudFrontRsa2048() => Decide(_cloudFrontRsa);

    [Benchmark(OperationsPerInvoke = Batch)]
    public int AzureSas() => Decide(_azure);

    /// <summary>The presigner alone, the URL given.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int PresignOurs()
    {
        var length = 0;
        for (var i = 0; i < Batch; i++)
        {
            length += _presigner.Sign("https://prod-registry-k8s-io-us-east-1.s3.us-east-1.amazonaws.com/" + _keysOfObjects[i], HttpMethod.Get).Length;
        }

        return length;
    }

    /// <summary>AWSSDK.S3's presigner for the same objects: what Signing/S3Presigner.cs replaces.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    public int PresignAwsSdk()
    {
        var length = 0;
        for (var i = 0; i < Batch; i++)
        {
            length += _sdk.GetPreSignedURL(new GetPreSignedUrlRequest
            {
                BucketName = "prod-registry-k8s-io-us-east-1",
                Key = _keysOfObjects[i],
                Verb = HttpVerb.GET,
                Expires = DateTime.UtcNow.AddMinutes(10),
            }).Length;
        }

        return length;
    }

    private int Decide(RequestRouter routing)
    {
        var length = 0;
        for (var i = 0; i < Batch; i++)
        {
            var routed = routing.RouteAsync("GET", _targets[i], _peer, _forwardedFor[i], CancellationToken.None);
            if (!routed.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("a cached blob must be decided synchronously");
            }

            length += ((Redirect)routed.Result.Decision).Location.Length;
        }

        return length;
    }

    /// <summary>The router for one mirror every client is sent to, signed with <paramref name="signing"/> (or not), every digest cached present.</summary>
    private RequestRouter Routing(SigningSettings? signing, string[] digests, string url = Url)
    {
        var mirror = new MirrorSettings("mirror", url, 0, Signing: signing);
        var settings = new ArcheioSettings
        {
            Port = 8080,
            InfoUrl = "https://info.example/",
            PrivacyUrl = "https://info.example/privacy",
            Upstream = new UpstreamSettings("https://registry.example", "project/images", null, ""),
            ClientIp = new ClientIpSettings(1, []),
            Ranges = [],
            Mirrors = [mirror],
            Candidates = [mirror],
            Rules = [new RuleSettings(null, [], [mirror])],
            BlobCheck = BlobCheckSettings.Default(null, 100_000),
        };
        var ranges = new IpRangeTableHolder();
        ranges.Replace(HotPathData.Table);
        var geo = new GeoLookup(GeoSettings.None, NullLogger<GeoLookup>.Instance);
        var checker = new BlobChecker(
            new HotPathBenchmarks.NoHttpClientFactory(), settings, new MirrorInventories(), NullBlobResultStore.Instance, new BlobCheckCounters(),
            TimeProvider.System, NullLogger<BlobChecker>.Instance);
        _disposables.Add(geo);
        _disposables.Add(checker);
        foreach (var digest in digests)
        {
            checker.Cache.Set(new BlobKey(0, DigestKey.From(digest)), true, TimeSpan.FromHours(24));
        }

        return new RequestRouter(
            new Router(settings), new ClientIpResolver(settings.ClientIp), ranges, geo, checker, new UpstreamHealthBoard(settings, TimeProvider.System), settings,
            TimeProvider.System, new MirrorSigners(settings, TimeProvider.System, NullLoggerFactory.Instance));
    }
}
