using Amazon.S3;
using Archeio.TestBed;
using Geranos.Destination;

namespace Geranos.Tests.Sync;

/// <summary>
/// What <c>geranos sync</c> runs against in these tests: a Distribution 2.8 source holding a single-platform image
/// under three tags with a cosign-style signature tag (<c>sync/single</c>), a two-platform index (<c>sync/multi</c>)
/// and an image with a 64 MiB layer (<c>sync/large</c>); and an s3rver with bucket <c>mirror</c>. Each test mirrors
/// into its own key prefix, so tests share the peers but not the objects.
/// </summary>
public sealed class SyncBed : IAsyncLifetime, IDisposable
{
    public const string Bucket = "mirror";

    public static readonly IReadOnlyList<string> SingleTags = ["latest", "v1", "v2"];

    private readonly TempDirectory _layouts = new("geranos-sync");
    private RegistryProcess? _registry;
    private S3rverProcess? _s3;

    internal RegistryProcess Registry => _registry ?? throw new InvalidOperationException("not started");

    internal S3rverProcess S3 => _s3 ?? throw new InvalidOperationException("not started");

    internal BuiltImage Single { get; private set; } = null!;

    internal BuiltImage Multi { get; private set; } = null!;

    internal BuiltImage Large { get; private set; } = null!;

    internal BuiltImage Signature { get; private set; } = null!;

    /// <summary>Every image and the repository it is in.</summary>
    internal IReadOnlyList<(string Repository, BuiltImage Image)> Images => [("sync/single", Single), ("sync/single", Signature), ("sync/multi", Multi), ("sync/large", Large)];

    /// <summary>Every blob of every image, each once, with its size.</summary>
    internal IReadOnlyDictionary<string, long> AllBlobs => Images.SelectMany(i => i.Image.BlobSizes).DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        var registry = RegistryProcess.StartAsync("geranos-sync");
        var s3 = S3rverProcess.StartAsync(Bucket);
        Single = await OciImageBuilder.BuildSinglePlatformAsync(_layouts.Combine("single"), "single", seed: 81);
        Multi = await OciImageBuilder.BuildMultiPlatformAsync(_layouts.Combine("multi"), "multi", seed: 82);
        Large = await OciImageBuilder.BuildLargeAsync(_layouts.Combine("large"), "large", seed: 83);
        Signature = await OciImageBuilder.BuildSignatureAsync(_layouts.Combine("signature"), Single.Digest, seed: 84);
        _registry = await registry;
        _s3 = await s3;
        foreach (var tag in SingleTags)
        {
            await Skopeo.PushAsync(Single, Registry.HostPort, "sync/single", tag);
        }

        await Skopeo.PushAsync(Signature, Registry.HostPort, "sync/single", Signature.Tag);
        await Skopeo.PushAsync(Multi, Registry.HostPort, "sync/multi", "latest");
        await Skopeo.PushAsync(Large, Registry.HostPort, "sync/large", "v1");
    }

    /// <summary>The command-line arguments that point a command at this bed's s3rver.</summary>
    internal string[] S3Arguments => ["--s3-endpoint", S3.BaseUrl, "--s3-region", "us-east-1", "--s3-path-style"];

    /// <summary><c>sync</c> of all three repositories into <paramref name="prefixes"/> (one destination each).</summary>
    internal string[] SyncArguments(IEnumerable<string> prefixes, params string[] extra)
        => ["sync", "--source", Registry.BaseUrl, "--repository", "sync/single", "--repository", "sync/multi", "--repository", "sync/large",
            .. prefixes.SelectMany(p => new[] { "--dest", $"s3://{Bucket}/{p}" }), .. S3Arguments, "--part-size-mib", "5", .. extra];

    internal IAmazonS3 CreateClient()
        => S3ClientFactory.Create(new S3Settings(new Uri(S3.BaseUrl), "us-east-1", PathStyle: true, S3rverProcess.AccessKey, S3rverProcess.SecretKey));

    internal static S3Mirror Mirror(IAmazonS3 client, string prefix)
        => DestinationUrl.TryParse($"s3://{Bucket}/{prefix}", out var url, out var error) ? new S3Mirror(client, url) : throw new ArgumentException(error);

    /// <summary>The blob file as pushed (the OCI layout's copy).</summary>
    internal string LayoutBlob(string digest)
        => Images.Select(i => Path.Combine(i.Image.LayoutDirectory, "blobs", "sha256", digest["sha256:".Length..])).First(File.Exists);

    internal static IReadOnlyDictionary<string, string> S3Environment => new Dictionary<string, string>
    {
        ["AWS_ACCESS_KEY_ID"] = S3rverProcess.AccessKey,
        ["AWS_SECRET_ACCESS_KEY"] = S3rverProcess.SecretKey,
    };

    public async Task DisposeAsync()
    {
        if (_s3 is not null)
        {
            await _s3.DisposeAsync();
        }

        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    public void Dispose() => _layouts.Dispose();
}
