using System.Globalization;
using System.Security.Cryptography;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// <c>skopeo copy --all --preserve-digests</c> from the registry into a fresh OCI layout per pull (every platform,
/// every blob; without <c>--preserve-digests</c> skopeo would gzip uncompressed layers and so change the manifest digest).
/// With <paramref name="sigstoreAttachments"/>, skopeo also fetches the image's cosign-style signature
/// (<c>sha256-&lt;hex&gt;.sig</c>, if any) and copies into a <c>dir:</c> directory instead, since an OCI layout cannot hold signatures.
/// </summary>
internal sealed class SkopeoPullClient(bool sigstoreAttachments = false) : IPullClient
{
    private readonly TempDirectory _directory = new("skopeo-pull");
    private int _pulls;

    public string Name => sigstoreAttachments ? "skopeo+sigstore" : "skopeo";

    public async Task<PulledImage> PullAsync(string reference, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var destination = _directory.Combine("pull-" + Interlocked.Increment(ref _pulls).ToString(CultureInfo.InvariantCulture));
        List<string> arguments = ["copy", "--all", "--preserve-digests", "--retry-times", "0", "--src-tls-verify=false"];
        if (sigstoreAttachments)
        {
            var registriesD = _directory.Combine("registries.d");
            Directory.CreateDirectory(registriesD);
            await File.WriteAllTextAsync(Path.Combine(registriesD, "default.yaml"), "default-docker:\n  use-sigstore-attachments: true\n", cancellationToken);
            arguments.InsertRange(0, ["--registries.d", registriesD]);
            arguments.AddRange(["docker://" + reference, "dir:" + destination]);
        }
        else
        {
            arguments.AddRange(["docker://" + reference, $"oci:{destination}:pulled"]);
        }

        var environment = new Dictionary<string, string> { ["CONTAINERS_REGISTRIES_CONF"] = PullClients.WriteEmptyRegistriesConf(_directory.Path) };
        var result = await Skopeo.RunAsync(arguments, environment).WaitAsync(cancellationToken);
        var digest = sigstoreAttachments
            ? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(Path.Combine(destination, "manifest.json"), cancellationToken)))
            : Skopeo.ReadLayoutDigest(destination, "pulled");
        return new PulledImage(Name, reference, digest, result);
    }

    public Task ResetAsync()
    {
        _directory.DeleteDirectories("pull-*");
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _directory.Dispose();
        return ValueTask.CompletedTask;
    }
}
