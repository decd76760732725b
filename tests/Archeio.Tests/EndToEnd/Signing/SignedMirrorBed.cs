using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd.Signing;

/// <summary>
/// Private stores that check signatures, and the real Archeio signing for each, on 127.0.0.1 only, started once for
/// the collection:
/// <list type="bullet">
/// <item>s3rver (bucket <c>private</c>) reachable only through a <see cref="SigV4BucketFront"/>, which verifies SigV4 with
/// AWS's JavaScript signer (s3rver itself takes any signature);</item>
/// <item>a <see cref="CloudFrontFront"/> over the same bucket, trusting the public half of <see cref="CloudFrontKey"/>;</item>
/// <item>Azurite, container <c>mirror</c> without public access: it checks SAS signatures with its account key;</item>
/// <item>Archeio with one mirror per signing kind, each chosen by a client source address of its own
/// (<see cref="From"/>): <c>s3</c> (keys from named variables), <c>s3-chain</c> (the standard AWS chain, from
/// <c>AWS_ACCESS_KEY_ID</c>…), <c>cloudfront</c>, <c>cloudfront-rotating</c> (its key file starts with a key the
/// front does not trust, for rotation), <c>azure</c> (account key from a file).</item>
/// </list>
/// Public only because xunit hands it to public test classes.
/// </summary>
public sealed class SignedMirrorBed : IAsyncLifetime, IDisposable
{
    internal const string Bucket = "private";
    internal const string Container = "mirror";
    internal const string Region = "eu-west-3";
    internal const string AccessKeyId = "AKIAARCHEIOSIGNING";
    internal const string KeyPairId = "K2JCJMDEHXQW5F";
    internal const string Prefix = "containers/images/";

    /// <summary>How long Archeio's URLs are valid here (its default).</summary>
    internal static readonly TimeSpan Expires = TimeSpan.FromMinutes(10);

    /// <summary>Each mirror's name and the client source address its rule matches.</summary>
    internal static readonly IReadOnlyDictionary<string, string> Addresses = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["s3"] = "127.0.0.11",
        ["s3-chain"] = "127.0.0.12",
        ["cloudfront"] = "127.0.0.13",
        ["cloudfront-rotating"] = "127.0.0.14",
        ["azure"] = "127.0.0.15",
    };

    private readonly TempDirectory _work = new("signed-mirrors");
    private TempConfig? _config;

    internal S3rverProcess S3 { get; private set; } = null!;

    internal SigV4BucketFront S3Front { get; private set; } = null!;

    internal CloudFrontFront CloudFront { get; private set; } = null!;

    internal AzuriteProcess Azurite { get; private set; } = null!;

    internal ServerProcess Archeio { get; private set; } = null!;

    /// <summary>The secret access key, made per run.</summary>
    internal string SecretKey { get; } = Convert.ToBase64String(RandomNumberGenerator.GetBytes(30));

    /// <summary>The key the CloudFront front trusts (EC P-256: a tenth of RSA's cost).</summary>
    internal ECDsa CloudFrontKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    /// <summary>A key the front does not trust: the rotating mirror's key file holds it until a test rotates it.</summary>
    internal ECDsa UntrustedKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    internal string CloudFrontKeyFile => _work.Combine("cloudfront.pem");

    internal string RotatingKeyFile => _work.Combine("cloudfront-rotating.pem");

    /// <summary><see cref="UntrustedKey"/>'s file, which no test changes.</summary>
    internal string UntrustedKeyFile => _work.Combine("untrusted.pem");

    internal string CloudFrontPublicKeyFile => _work.Combine("cloudfront.pub.pem");

    /// <summary>The blob every store holds, and one none holds.</summary>
    internal byte[] Blob { get; } = RandomNumberGenerator.GetBytes(64 * 1024 + 17);

    internal string BlobDigest => global::Archeio.Oci.Digests.Digest.Sha256(Blob);

    internal string MissingDigest { get; } = global::Archeio.Oci.Digests.Digest.Sha256(RandomNumberGenerator.GetBytes(32));

    public async Task InitializeAsync()
    {
        Tools.Require("s3rver", "azurite-blob", "node");
        await File.WriteAllTextAsync(CloudFrontKeyFile, CloudFrontKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(RotatingKeyFile, UntrustedKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(UntrustedKeyFile, UntrustedKey.ExportPkcs8PrivateKeyPem());
        await File.WriteAllTextAsync(CloudFrontPublicKeyFile, CloudFrontKey.ExportSubjectPublicKeyInfoPem());
        var azureKeyFile = _work.Combine("azure.key");
        await File.WriteAllTextAsync(azureKeyFile, AzuriteProcess.AccountKey + "\n");

        var s3 = S3rverProcess.StartAsync(Bucket);
        var azurite = AzuriteProcess.StartAsync();
        S3 = await s3;
        S3Front = await SigV4BucketFront.StartAsync(S3.BaseUrl, AccessKeyId, SecretKey, Region);
        CloudFront = await CloudFrontFront.StartAsync(S3.BucketUrl, CloudFrontPublicKeyFile, KeyPairId);
        Azurite = await azurite;
        await S3.PutAsync(Prefix + BlobDigest, Blob);
        await Azurite.CreatePrivateContainerAsync(Container);
        await Azurite.UploadAsync(Container, Prefix + BlobDigest, Blob);

        _config = new TempConfig(Config(azureKeyFile));
        Archeio = await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = _config.Path,
            ["SIGNING_BED_KEY_ID"] = AccessKeyId,
            ["SIGNING_BED_SECRET"] = SecretKey,
            // The standard chain's first source; the others (profile, web identity, ECS, instance metadata) are not reached.
            ["AWS_ACCESS_KEY_ID"] = AccessKeyId,
            ["AWS_SECRET_ACCESS_KEY"] = SecretKey,
            ["AWS_EC2_METADATA_DISABLED"] = "true",
        });
    }

    /// <summary>A new random blob, put in the bucket and the container: one no test has asked Archeio about yet.</summary>
    internal async Task<(byte[] Content, string Digest)> SeedAsync()
    {
        var content = RandomNumberGenerator.GetBytes(4096 + RandomNumberGenerator.GetInt32(4096));
        var digest = global::Archeio.Oci.Digests.Digest.Sha256(content);
        await S3.PutAsync(Prefix + digest, content);
        await Azurite.UploadAsync(Container, Prefix + digest, content);
        return (content, digest);
    }

    /// <summary>The URL of <paramref name="digest"/> in the mirror, unsigned (what an anonymous client could try).</summary>
    internal string UnsignedUrl(string mirror, string digest) => mirror switch
    {
        "s3" or "s3-chain" => $"{S3Front.BaseUrl}/{Bucket}/{Prefix}{digest}",
        "cloudfront" or "cloudfront-rotating" => $"{CloudFront.BaseUrl}/{Prefix}{digest}",
        "azure" => $"{Azurite.BlobEndpoint}/{Container}/{Prefix}{digest}",
        _ => throw new ArgumentOutOfRangeException(nameof(mirror), mirror, null),
    };

    /// <summary>The front that judges the mirror's requests (null for Azurite, which judges itself).</summary>
    internal SigningFront? Front(string mirror) => mirror switch
    {
        "s3" or "s3-chain" => S3Front,
        "cloudfront" or "cloudfront-rotating" => CloudFront,
        _ => null,
    };

    /// <summary>
    /// A client whose connections come from <paramref name="address"/> (any of 127.0.0.0/8 is this machine's), so that
    /// Archeio's rule for that address applies; redirects are not followed.
    /// </summary>
    internal static HttpClient From(string address) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    });

    private JsonObject Config(string azureKeyFile)
    {
        JsonObject Mirror(string name, string blobUrl, JsonObject signing) => new() { ["Name"] = name, ["BlobUrl"] = blobUrl, ["Signing"] = signing };
        var s3Url = $"{S3Front.BaseUrl}/{Bucket}/{Prefix}{{digest}}";
        var cloudFrontUrl = $"{CloudFront.BaseUrl}/{Prefix}{{digest}}";
        JsonObject CloudFrontSigning(string keyFile) => new() { ["Kind"] = "CloudFront", ["KeyPairId"] = KeyPairId, ["PrivateKeyFile"] = keyFile };
        return new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(
                Mirror("s3", s3Url, new JsonObject
                {
                    ["Kind"] = "S3",
                    ["Region"] = Region,
                    ["AccessKeyIdVariable"] = "SIGNING_BED_KEY_ID",
                    ["SecretAccessKeyVariable"] = "SIGNING_BED_SECRET",
                }),
                Mirror("s3-chain", s3Url, new JsonObject { ["Kind"] = "S3", ["Region"] = Region }),
                Mirror("cloudfront", cloudFrontUrl, CloudFrontSigning(CloudFrontKeyFile)),
                Mirror("cloudfront-rotating", cloudFrontUrl, CloudFrontSigning(RotatingKeyFile)),
                Mirror("azure", $"{Azurite.BlobEndpoint}/{Container}/{Prefix}{{digest}}", new JsonObject { ["Kind"] = "AzureSas", ["AccountKeyFile"] = azureKeyFile })),
            ["Rules"] = new JsonArray([.. Addresses.Select(a => (JsonNode)new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray(a.Value + "/32") },
                ["Mirrors"] = new JsonArray(a.Key),
            })]),
            // An absent answer (a refused HEAD too: 403 is not 200) is kept 1 s, so that the rotation test sees the new key soon.
            ["BlobCheck"] = new JsonObject { ["AbsentTtl"] = "00:00:01" },
        };
    }

    public async Task DisposeAsync()
    {
        foreach (var part in new IAsyncDisposable?[] { Archeio, S3Front, CloudFront, S3, Azurite })
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
        CloudFrontKey.Dispose();
        UntrustedKey.Dispose();
        _work.Dispose();
    }
}
