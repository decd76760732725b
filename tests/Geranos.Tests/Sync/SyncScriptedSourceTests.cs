using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.S3;
using Archeio.TestBed;
using Geranos.Tests.Cli;
using Geranos.Tests.Source;
using Microsoft.AspNetCore.Http;

namespace Geranos.Tests.Sync;

/// <summary>
/// <c>geranos sync</c> over what Distribution 2.8 cannot serve: a Docker schema 1 image, an artifact with a
/// non-image config type, a referrer reachable only through the referrers API (OCI distribution-spec 1.1), and
/// repositories found through <c>_catalog</c> under a prefix. The source is scripted; the store is the bed's s3rver.
/// </summary>
[Collection(SyncBedDefinition.Name)]
public sealed class SyncScriptedSourceTests(SyncBed bed) : IDisposable
{
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string Schema1 = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    private readonly IAmazonS3 _s3 = bed.CreateClient();
    private readonly Dictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string MediaType, byte[] Bytes)> _manifests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tags = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<(string Digest, string ArtifactType)>> _referrers = new(StringComparer.Ordinal);

    public void Dispose() => _s3.Dispose();

    [Fact]
    public async Task Schema1_artifacts_referrers_and_the_catalog_are_mirrored_and_recorded()
    {
        var layerA = Blob("schema1 layer a");
        var layerB = Blob("schema1 layer b");
        var schema1 = Manifest(Schema1, $$"""{"schemaVersion":1,"name":"fake/app","tag":"old","fsLayers":[{"blobSum":"{{layerA}}"},{"blobSum":"{{layerB}}"},{"blobSum":"{{layerA}}"}],"signatures":[]}""");
        var artifactConfig = Blob("{\"tool\":\"example\"}");
        var artifactLayer = Blob("artifact payload");
        var artifact = Manifest(OciManifest, $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","config":{{Descriptor("application/vnd.example.config.v1+json", artifactConfig)}},"layers":[{{Descriptor("application/vnd.example.data", artifactLayer)}}]}""");
        var sbomLayer = Blob("{\"spdxVersion\":\"SPDX-2.3\"}");
        var emptyConfig = Blob("{}");
        var subject = $$"""{"mediaType":"{{OciManifest}}","digest":"{{artifact}}","size":{{_manifests[artifact].Bytes.Length}}}""";
        var sbom = Manifest(OciManifest, $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","artifactType":"application/spdx+json","config":{{Descriptor("application/vnd.oci.empty.v1+json", emptyConfig)}},"layers":[{{Descriptor("application/spdx+json", sbomLayer)}}],"subject":{{subject}}}""");
        _tags["old"] = schema1;
        _tags["art"] = artifact;
        _referrers[artifact] = [(sbom, "application/spdx+json")];
        await using var source = await FakeSourceRegistry.StartAsync(Serve);
        string[] arguments = ["sync", "--source", source.BaseUri + "fake", "--dest", $"s3://{SyncBed.Bucket}/scripted", .. bed.S3Arguments, "--json"];

        var (exit, output, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(exit == 0, output + error);
        var summary = JsonDocument.Parse(output).RootElement;
        Assert.Equal(1, summary.GetProperty("repositories").GetInt32());
        Assert.Equal(2, summary.GetProperty("tags").GetInt32());
        Assert.Equal(3, summary.GetProperty("manifestsMirrored").GetInt64());
        var mirror = SyncBed.Mirror(_s3, "scripted");
        Assert.Equal(_blobs.Keys.Order(StringComparer.Ordinal), (await mirror.ListBlobsAsync(default)).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { schema1, artifact, sbom }.Order(StringComparer.Ordinal), (await mirror.ListMarkersAsync(default)).Order(StringComparer.Ordinal));
        var marker = await mirror.ReadMarkerAsync(schema1, default);
        Assert.Equal([layerA, layerB], marker!.Blobs.Select(b => b.Digest));
        Assert.All(marker.Blobs, b => Assert.Null(b.Size));

        // A new referrer of an already recorded manifest is found on the next run.
        var signatureLayer = Blob("a signature");
        var signature = Manifest(OciManifest, $$"""{"schemaVersion":2,"mediaType":"{{OciManifest}}","artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json","config":{{Descriptor("application/vnd.oci.empty.v1+json", emptyConfig)}},"layers":[{{Descriptor("application/vnd.dev.sigstore.bundle.v0.3+json", signatureLayer)}}]}""");
        _referrers[artifact].Add((signature, "application/vnd.dev.sigstore.bundle.v0.3+json"));

        var again = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.True(again.Exit == 0, again.Out + again.Error);
        var second = JsonDocument.Parse(again.Out).RootElement;
        Assert.Equal(2, second.GetProperty("manifestsRecorded").GetInt64());
        Assert.Equal(1, second.GetProperty("blobsCopied").GetInt64());
        Assert.Contains(signature, await mirror.ListMarkersAsync(default));
    }

    [Fact]
    public async Task Without_repositories_and_without_a_catalog_the_run_is_a_usage_error()
    {
        await using var source = await FakeSourceRegistry.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        string[] arguments = ["sync", "--source", source.BaseUri.ToString(), "--dest", $"s3://{SyncBed.Bucket}/no-catalog", .. bed.S3Arguments];

        var (exit, _, error) = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey);

        Assert.Equal(2, exit);
        Assert.Contains("--repository", error, StringComparison.Ordinal);
    }

    private Task Serve(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var response = context.Response;
        if (path == "/v2/_catalog")
        {
            return Json(response, "application/json", """{"repositories":["fake/app","other/thing"]}""");
        }

        const string Prefix = "/v2/fake/app/";
        if (!path.StartsWith(Prefix, StringComparison.Ordinal))
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var rest = path[Prefix.Length..];
        if (rest == "tags/list")
        {
            return Json(response, "application/json", JsonSerializer.Serialize(new { name = "fake/app", tags = _tags.Keys.Order(StringComparer.Ordinal).ToArray() }));
        }

        if (rest.StartsWith("manifests/", StringComparison.Ordinal))
        {
            var reference = rest["manifests/".Length..];
            var digest = _tags.GetValueOrDefault(reference, reference);
            if (!_manifests.TryGetValue(digest, out var manifest))
            {
                response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            response.Headers["Docker-Content-Digest"] = digest;
            response.ContentLength = manifest.Bytes.Length;
            response.ContentType = manifest.MediaType;
            return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : response.Body.WriteAsync(manifest.Bytes).AsTask();
        }

        if (rest.StartsWith("blobs/", StringComparison.Ordinal) && _blobs.TryGetValue(rest["blobs/".Length..], out var blob))
        {
            response.ContentLength = blob.Length;
            response.ContentType = "application/octet-stream";
            return response.Body.WriteAsync(blob).AsTask();
        }

        if (rest.StartsWith("referrers/", StringComparison.Ordinal))
        {
            var subject = rest["referrers/".Length..];
            var descriptors = _referrers.GetValueOrDefault(subject) ?? [];
            var manifests = string.Join(',', descriptors.Select(r => $$"""{"mediaType":"{{OciManifest}}","digest":"{{r.Digest}}","size":{{_manifests[r.Digest].Bytes.Length}},"artifactType":"{{r.ArtifactType}}"}"""));
            return Json(response, OciIndex, $$"""{"schemaVersion":2,"mediaType":"{{OciIndex}}","manifests":[{{manifests}}]}""");
        }

        response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private static Task Json(HttpResponse response, string mediaType, string body)
    {
        response.ContentType = mediaType;
        return response.WriteAsync(body);
    }

    private string Blob(string content)
    {
        var bytes = Encoding.UTF8.GetBytes(content);
        var digest = Digest(bytes);
        _blobs[digest] = bytes;
        return digest;
    }

    private string Manifest(string mediaType, string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = Digest(bytes);
        _manifests[digest] = (mediaType, bytes);
        return digest;
    }

    private string Descriptor(string mediaType, string digest)
        => string.Create(CultureInfo.InvariantCulture, $$"""{"mediaType":"{{mediaType}}","digest":"{{digest}}","size":{{_blobs[digest].Length}}}""");

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
}
