using System.Text;
using System.Text.Json;
using Amazon.S3.Model;
using Archeio.Oci.Digests;
using Archeio.TestBed;
using Geranos.Destination;
using Geranos.Tests.Cli;
using Geranos.Tests.Destination;

namespace Geranos.Tests.Security;

/// <summary>
/// Issue 9, mirror-tool side: Geranos writes only under <c>containers/images/</c>, <c>containers/manifests/</c> and
/// <c>geranos/</c>, whatever names a
/// source uses. Digests come from the source (manifest descriptors, <c>Docker-Content-Digest</c> on HEAD and GET,
/// index children, referrers) and become keys and URLs, so every one that is not a canonical sha256 or sha512 digest
/// must be refused: not written, not asked for, and reported. A whole <c>geranos sync</c> runs against a raw-socket
/// source and the real s3rver.
/// </summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class HostileNamesSyncTests(S3DestinationFixture fixture)
{
    private static readonly string Hex = new('a', 64);

    /// <summary>Layer digests a manifest may list that must never become a key or a URL.</summary>
    private static readonly IReadOnlyList<string> InvalidDigests =
    [
        "sha256:../../evil",
        "sha256:../../../../../../../evil",
        $"sha256:{Hex}/../../../../evil",
        $"sha256:{Hex}%2f..%2f..%2fevil",
        $"sha256:{Hex}\\..\\evil",
        "sha256:" + Hex.ToUpperInvariant(),
        "sha256:" + new string('a', 63),
        "sha256:" + new string('a', 10_000),
        "sha384:" + new string('a', 96),
        "md5:" + new string('a', 32),
        "SHA256:" + Hex,
        "sha256:" + Hex + "\n",
        "../../../../containers/images/evil",
        "/etc/passwd",
        "",
    ];

    [Fact]
    public async Task Only_the_three_prefixes_are_written_and_invalid_digests_are_refused()
    {
        await using var registry = new HostileRegistry();

        // An honest image, and one whose manifest lists an honest layer among every invalid digest.
        var goodLayer = registry.AddBlob(Encoding.UTF8.GetBytes("an honest layer"));
        var good = registry.AddImage("good", (goodLayer, registry.Blobs[goodLayer].Length));
        var oddLayer = registry.AddBlob(Encoding.UTF8.GetBytes("an honest layer among odd ones"));
        _ = registry.AddImage("odd-layers", [(oddLayer, registry.Blobs[oddLayer].Length), .. InvalidDigests.Select(d => (d, 10L))]);

        // Manifest digests that lie: on HEAD, on GET by tag, on a schema 1 manifest (its digest cannot be checked
        // against its bytes), one valid but of other bytes, an index child, a referrer.
        var evilHead = AddLayerImage(registry, "head-lies");
        registry.HeadDigests["head-lies"] = "sha256:../../../../../../evil-head";
        _ = AddLayerImage(registry, "get-lies");
        registry.HeadDigests["get-lies"] = null;
        registry.GetDigests["get-lies"] = "sha256:../../../../../../evil-get";
        var schema1Layer = registry.AddBlob(Encoding.UTF8.GetBytes("schema 1 layer"));
        registry.Tags["schema1-lies"] = registry.AddManifest(HostileRegistry.Schema1, $$"""{"schemaVersion":1,"name":"{{HostileRegistry.Repository}}","tag":"schema1-lies","fsLayers":[{"blobSum":"{{schema1Layer}}"}],"signatures":[]}""");
        registry.HeadDigests["schema1-lies"] = null;
        registry.GetDigests["schema1-lies"] = "sha256:../../../../../../evil-schema1";
        _ = AddLayerImage(registry, "digest-of-other-bytes");
        registry.HeadDigests["digest-of-other-bytes"] = null;
        registry.GetDigests["digest-of-other-bytes"] = good;
        registry.Tags["evil-child"] = registry.AddManifest(
            HostileRegistry.OciIndex,
            $$"""{"schemaVersion":2,"mediaType":"{{HostileRegistry.OciIndex}}","manifests":[{{HostileRegistry.Descriptor(HostileRegistry.OciManifest, "sha256:../../../../evil-child", 2)}}]}""");
        var referred = AddLayerImage(registry, "evil-referrer");
        registry.Referrers[referred] = ["sha256:../../../../evil-referrer"];
        var mirror = fixture.NewMirror();

        var (exit, output, error) = await RunAsync(registry, mirror);

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");

        // Every key is under the three prefixes and names a valid digest; nothing of the hostile names is anywhere.
        var keys = (await fixture.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = mirror.Url.Bucket, Prefix = mirror.Url.KeyPrefix }))
            .S3Objects?.Select(o => o.Key).ToList() ?? [];
        Assert.All(keys, key => Assert.True(IsOwnKey(mirror.Url, key), $"a key outside the three prefixes or not a digest: {key}"));
        var everywhere = await fixture.Client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = mirror.Url.Bucket });
        Assert.DoesNotContain(everywhere.S3Objects ?? [], o => o.Key.Contains("evil", StringComparison.Ordinal));
        Assert.DoesNotContain((await fixture.Client.ListBucketsAsync()).Buckets ?? [], b => b.BucketName.Contains("evil", StringComparison.Ordinal));

        // What is there: the honest blobs of every manifest walked, and only the honest image recorded.
        var blobs = (await mirror.ListBlobsAsync(default)).Keys.ToHashSet(StringComparer.Ordinal);
        Assert.Contains(goodLayer, blobs);
        Assert.Contains(oddLayer, blobs);
        Assert.Equal([good], await mirror.ListMarkersAsync(default));
        Assert.DoesNotContain(evilHead, blobs);

        // Manifest objects: the honest image, and the one whose referrer was refused (its blobs are there, only its
        // marker waits for its referrers); none of the liars; every object's bytes hash to its key.
        Assert.Equal(new HashSet<string>(StringComparer.Ordinal) { good, referred }, await mirror.ListManifestsAsync(default));
        foreach (var manifest in await mirror.ListManifestsAsync(default))
        {
            Assert.Equal(manifest, Digest.Sha256((await mirror.ReadManifestAsync(manifest, default))!.Value.Bytes));
        }

        // Each invalid layer digest is reported; each lying manifest fails its tag.
        var failures = JsonDocument.Parse(output).RootElement.GetProperty("failures").EnumerateArray()
            .Select(f => f.GetProperty("subject").GetString() + " " + f.GetProperty("reason").GetString()).ToList();
        var refused = failures.Count(f => f.Contains("not a sha256 or sha512 digest in canonical form", StringComparison.Ordinal));
        Assert.True(refused == InvalidDigests.Count, $"{refused} invalid layer digests refused, not {InvalidDigests.Count}\n{string.Join('\n', failures)}\n{error}");
        foreach (var tag in new[] { "head-lies", "get-lies", "schema1-lies", "digest-of-other-bytes", "evil-child" })
        {
            // The subject is the tag when the manifest is read by tag, its digest when the HEAD gave one.
            string[] subjects = [$"{HostileRegistry.Repository}:{tag} ", $"{HostileRegistry.Repository}@{tag} ", $"{HostileRegistry.Repository}@{registry.Tags[tag]} "];
            Assert.True(failures.Any(f => subjects.Any(s => f.StartsWith(s, StringComparison.Ordinal))), $"{tag}: not reported\n{string.Join('\n', failures)}");
        }

        Assert.Contains(failures, f => f.Contains("evil-referrer", StringComparison.Ordinal));

        // And no invalid digest went into a request to the source.
        var byDigest = registry.Requests.Select(r => r.Target).Where(t => t.Contains("/blobs/", StringComparison.Ordinal) || t.Contains("/manifests/sha", StringComparison.Ordinal));
        Assert.All(byDigest, target => Assert.True(Digest.IsVerifiable(target[(target.LastIndexOf('/') + 1)..]), $"asked the source for {target}"));
    }

    private static string AddLayerImage(HostileRegistry registry, string tag)
    {
        var layer = registry.AddBlob(Encoding.UTF8.GetBytes("the layer of " + tag));
        return registry.AddImage(tag, (layer, registry.Blobs[layer].Length));
    }

    private static bool IsOwnKey(DestinationUrl url, string key)
    {
        if (key == url.InventoryKey || key == url.ManifestInventoryKey)
        {
            return true;
        }

        return (key.StartsWith(url.BlobPrefix, StringComparison.Ordinal) && Digest.IsVerifiable(key[url.BlobPrefix.Length..]))
            || (key.StartsWith(url.ManifestPrefix, StringComparison.Ordinal) && Digest.IsVerifiable(key[url.ManifestPrefix.Length..]))
            || (key.StartsWith(url.MarkerPrefix, StringComparison.Ordinal) && Digest.IsVerifiable(key[url.MarkerPrefix.Length..]));
    }

    private async Task<(int Exit, string Out, string Error)> RunAsync(HostileRegistry registry, S3Mirror mirror)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        string[] arguments =
        [
            "sync", "--source", registry.BaseUri.ToString(), "--repository", HostileRegistry.Repository,
            "--dest", $"s3://{mirror.Url.Bucket}/{mirror.Url.KeyPrefix.TrimEnd('/')}",
            "--s3-endpoint", fixture.S3.BaseUrl, "--s3-region", "us-east-1", "--s3-path-style", "--json",
        ];
        var result = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey, cancellationToken: limit.Token);
        Assert.False(limit.IsCancellationRequested, "the run did not end\n" + result.Error);
        return result;
    }
}
