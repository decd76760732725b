using System.Runtime.InteropServices;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// The test bed itself: a real registry, images pushed with skopeo, and skopeo, podman, containerd and docker
/// pulling them directly and through a 307-redirecting front on another port.
/// </summary>
public sealed class RegistryAndClientsTests(RegistryAndClientsFixture bed) : IClassFixture<RegistryAndClientsFixture>
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(2);

    public static TheoryData<string> Clients => [.. PullClients.Names];

    /// <summary>podman, containerd and docker pull the host's platform only; skopeo copies them all.</summary>
    private static string HostPlatform => RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "linux/arm64/v8" : "linux/amd64";

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Client_pulls_every_image_kind_with_the_pushed_digest(string client)
    {
        await using var puller = await PullClients.StartAsync(client);
        using var timeout = new CancellationTokenSource(PullTimeout);
        var registry = bed.Registry;

        foreach (var (image, repository) in new[]
        {
            (bed.Single, RegistryAndClientsFixture.SingleRepository),
            (bed.Multi, RegistryAndClientsFixture.MultiRepository),
            (bed.Large, RegistryAndClientsFixture.LargeRepository),
        })
        {
            var mark = registry.AccessLog.Mark();
            var pulled = await puller.PullAsync($"{registry.HostPort}/{repository}:{RegistryAndClientsFixture.Tag}", timeout.Token);

            Assert.Equal(image.Digest, pulled.Digest);
            await AssertBlobsServedAsync(registry, mark, repository, ExpectedBlobs(client, image));
        }

        // The cosign-style signature. As an image: skopeo copies it like any other; containerd fetches it but
        // cannot unpack it (its layer is no tar); podman cannot store it at all; docker refuses its manifest
        // (for the layer's media type) before fetching any blob.
        var signatureReference = $"{registry.HostPort}/{RegistryAndClientsFixture.SingleRepository}:{bed.Signature.Tag}";
        var signatureMark = registry.AccessLog.Mark();
        if (puller is ContainerdPullClient containerd)
        {
            Assert.Equal(bed.Signature.Digest, (await containerd.FetchAsync(signatureReference, timeout.Token)).Digest);
            await AssertBlobsServedAsync(registry, signatureMark, RegistryAndClientsFixture.SingleRepository, bed.Signature.BlobDigests);
        }
        else if (puller is SkopeoPullClient)
        {
            Assert.Equal(bed.Signature.Digest, (await puller.PullAsync(signatureReference, timeout.Token)).Digest);
            await AssertBlobsServedAsync(registry, signatureMark, RegistryAndClientsFixture.SingleRepository, bed.Signature.BlobDigests);
        }
        else if (puller is DockerPullClient)
        {
            var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => puller.PullAsync(signatureReference, timeout.Token));
            Assert.Contains("unsupported media type " + OciMediaTypes.CosignSimpleSigning, refused.Message, StringComparison.Ordinal);
            // It got the manifest (by the digest the tag resolved to), so the refusal is its own, not a failed download.
            var manifest = Is("GET", $"/v2/{RegistryAndClientsFixture.SingleRepository}/manifests/{bed.Signature.Digest}");
            var requests = await registry.WaitForAccessLogAsync(signatureMark, e => e.Any(manifest));
            Assert.Contains(requests, e => manifest(e));
            Assert.DoesNotContain(requests, e => e.Path.Contains("/blobs/", StringComparison.Ordinal));
        }

        // As a sigstore attachment: skopeo and podman fetch it beside the image it signs (docker and containerd
        // have no such option).
        if (puller is SkopeoPullClient or PodmanPullClient)
        {
            await using IPullClient sigstore = puller is PodmanPullClient ? new PodmanPullClient(sigstoreAttachments: true) : new SkopeoPullClient(sigstoreAttachments: true);
            var mark = registry.AccessLog.Mark();
            var pulled = await sigstore.PullAsync($"{registry.HostPort}/{RegistryAndClientsFixture.SingleRepository}:{RegistryAndClientsFixture.Tag}", timeout.Token);

            Assert.Equal(bed.Single.Digest, pulled.Digest);
            var signatureManifest = $"/v2/{RegistryAndClientsFixture.SingleRepository}/manifests/{bed.Signature.Tag}";
            var entries = await registry.WaitForAccessLogAsync(mark, e => e.Any(Is("GET", signatureManifest)));
            Assert.Contains(entries, e => Is("GET", signatureManifest)(e));
            await AssertBlobsServedAsync(registry, mark, RegistryAndClientsFixture.SingleRepository, [.. bed.Signature.SinglePlatform.LayerDigests, .. bed.Single.BlobDigests]);
        }

        await puller.ResetAsync();
    }

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task Client_follows_307_redirects_to_another_port(string client)
    {
        await using var puller = await PullClients.StartAsync(client);
        await using var front = await PathRedirector.StartAsync("front", bed.Registry.BaseUrl);
        using var timeout = new CancellationTokenSource(PullTimeout);

        foreach (var (image, repository) in new[] { (bed.Single, RegistryAndClientsFixture.SingleRepository), (bed.Multi, RegistryAndClientsFixture.MultiRepository) })
        {
            var registryMark = bed.Registry.AccessLog.Mark();
            var frontMark = front.AccessLog.Mark();
            var pulled = await puller.PullAsync($"{front.HostPort}/{repository}:{RegistryAndClientsFixture.Tag}", timeout.Token);

            Assert.Equal(image.Digest, pulled.Digest);
            var expected = ExpectedBlobs(client, image);
            var redirected = front.AccessLog.Since(frontMark);
            Assert.All(expected, digest => Assert.Contains(redirected, e => e.Method == "GET" && e.Path == $"/v2/{repository}/blobs/{digest}" && e.Status == 307));
            await AssertBlobsServedAsync(bed.Registry, registryMark, repository, expected);
        }

        await puller.ResetAsync();
    }

    [Fact]
    public async Task Same_image_under_several_tags_is_listed_under_each()
    {
        const string repository = "bed/tags";
        string[] tags = ["one", "two", "three"];
        foreach (var tag in tags)
        {
            Assert.Equal(bed.Single.Digest, await Skopeo.PushAsync(bed.Single, bed.Registry.HostPort, repository, tag));
        }

        Assert.Equal(tags.Order(), (await Skopeo.ListTagsAsync(bed.Registry.HostPort + "/" + repository)).Order());
        foreach (var tag in tags)
        {
            Assert.Equal(bed.Single.Digest, Skopeo.Digest(await Skopeo.InspectRawAsync($"{bed.Registry.HostPort}/{repository}:{tag}")));
        }

        var layout = new TempDirectory("copy");
        using (layout)
        {
            Assert.Equal(bed.Single.Digest, await Skopeo.CopyToOciAsync($"{bed.Registry.HostPort}/{repository}@{bed.Single.Digest}", layout.Combine("oci"), "copied"));
        }
    }

    private static IReadOnlyList<string> ExpectedBlobs(string client, BuiltImage image)
    {
        if (PullClients.PullsAllPlatforms(client))
        {
            return image.BlobDigests;
        }

        var platform = image.IsIndex ? image.Platforms[HostPlatform] : image.SinglePlatform;
        return [platform.ConfigDigest, .. platform.LayerDigests];
    }

    private static Func<AccessLogEntry, bool> Is(string method, string path, int status = 200)
        => e => e.Method == method && e.Path == path && e.Status == status;

    /// <summary>Every blob was served with 200 to a GET since <paramref name="mark"/> (waiting boundedly for the log lines).</summary>
    private static async Task AssertBlobsServedAsync(RegistryProcess registry, int mark, string repository, IReadOnlyList<string> digests)
    {
        var paths = digests.Select(d => $"/v2/{repository}/blobs/{d}").ToList();
        var entries = await registry.WaitForAccessLogAsync(mark, e => paths.All(p => e.Any(Is("GET", p))));
        var missing = paths.Where(p => !entries.Any(Is("GET", p))).ToList();
        Assert.True(missing.Count == 0, $"{registry.AccessLog.Backend} served no GET 200 for:\n{string.Join('\n', missing)}\nlog since mark:\n{string.Join('\n', entries)}");
    }
}
