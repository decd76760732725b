using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Archeio.TestBed;

/// <summary>
/// skopeo 1.9 for pushing test images and looking at registries. References are <c>host:port/repository:tag</c>
/// (or <c>@sha256:…</c>) without a transport; every registry is plain HTTP on loopback.
/// <c>--retry-times 0</c> everywhere: a failure shows at once instead of after retries.
/// </summary>
internal static class Skopeo
{
    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Pushes every platform of <paramref name="image"/> with digests preserved, then checks that the registry
    /// reports the layout's digest for the tag. Returns that digest. <c>credentials</c> (<c>user:password</c>) are for a
    /// registry with auth: <c>--dest-creds</c> for the copy and <c>--creds</c> for the check.
    /// </summary>
    public static async Task<string> PushAsync(BuiltImage image, string registryHostPort, string repository, string tag, string? credentials = null)
    {
        var destination = $"{registryHostPort}/{repository}:{tag}";
        string[] destinationCredentials = credentials is null ? [] : ["--dest-creds", credentials];
        await RunAsync(["copy", "--all", "--preserve-digests", "--retry-times", "0", "--dest-tls-verify=false", .. destinationCredentials, "oci:" + image.LayoutReference, "docker://" + destination]);
        var pushed = Digest(await InspectRawAsync(destination, credentials: credentials));
        return pushed == image.Digest
            ? pushed
            : throw new InvalidOperationException($"pushed {image.Tag} ({image.Digest}) to {destination} but the registry serves {pushed}");
    }

    /// <summary>The manifest or index as the registry serves it (<c>skopeo inspect --raw</c>), with <c>--creds</c> if given.</summary>
    public static async Task<string> InspectRawAsync(string reference, bool tlsVerify = false, string? credentials = null)
    {
        string[] creds = credentials is null ? [] : ["--creds", credentials];
        return (await RunAsync(["inspect", "--raw", "--retry-times", "0", "--tls-verify=" + (tlsVerify ? "true" : "false"), .. creds, "docker://" + reference])).StandardOutput;
    }

    /// <summary>
    /// Copies every platform of <paramref name="sourceReference"/> into an OCI layout; returns the top-level digest it wrote.
    /// <c>--preserve-digests</c> matters here: without it skopeo gzips uncompressed layers on the way into an OCI layout,
    /// which rewrites the manifest and so its digest.
    /// </summary>
    public static async Task<string> CopyToOciAsync(string sourceReference, string destinationLayoutDirectory, string tag)
    {
        await RunAsync(["copy", "--all", "--preserve-digests", "--retry-times", "0", "--src-tls-verify=false", "docker://" + sourceReference, $"oci:{destinationLayoutDirectory}:{tag}"]);
        return ReadLayoutDigest(destinationLayoutDirectory, tag);
    }

    /// <summary>The tags of <paramref name="repositoryReference"/> (<c>host:port/repository</c>).</summary>
    public static async Task<IReadOnlyList<string>> ListTagsAsync(string repositoryReference)
    {
        var result = await RunAsync(["list-tags", "--retry-times", "0", "--tls-verify=false", "docker://" + repositoryReference]);
        using var json = JsonDocument.Parse(result.StandardOutput);
        return [.. json.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()!)];
    }

    /// <summary>The digest that an OCI layout's index.json names <paramref name="tag"/> by.</summary>
    public static string ReadLayoutDigest(string layoutDirectory, string tag)
    {
        using var index = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(layoutDirectory, "index.json")));
        foreach (var manifest in index.RootElement.GetProperty("manifests").EnumerateArray())
        {
            if (manifest.TryGetProperty("annotations", out var annotations)
                && annotations.TryGetProperty("org.opencontainers.image.ref.name", out var name)
                && name.GetString() == tag)
            {
                return manifest.GetProperty("digest").GetString()!;
            }
        }

        throw new InvalidOperationException($"{layoutDirectory}/index.json has no tag {tag}");
    }

    /// <summary>sha256 of a manifest as text (manifests are JSON in UTF-8).</summary>
    public static string Digest(string manifest) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(manifest)));

    /// <summary>Runs skopeo without a trust policy file (<c>--insecure-policy</c>): the bed never verifies signatures.</summary>
    public static async Task<CommandResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
        => (await Commands.RunAsync("skopeo", ["--insecure-policy", .. arguments], Timeout, environment)).EnsureSuccess();
}
