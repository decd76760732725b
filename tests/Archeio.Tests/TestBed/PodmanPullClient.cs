using System.Globalization;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// <c>podman pull</c> as root without systemd: vfs storage in a fresh root per pull, cgroupfs, file events,
/// its own storage.conf, registries.conf and HOME (so no host or user configuration leaks in). Pulls the host's platform.
/// With <paramref name="sigstoreAttachments"/>, podman also fetches the image's cosign-style signature.
/// Note: podman 4.3 retries a failed pull 3 times, 1 s apart, for errors it counts as retryable (not a body that ends
/// early: an unexpected EOF fails at once, docs/testing.md "Interrupted downloads"), and has no flag to stop that.
/// </summary>
internal sealed class PodmanPullClient(bool sigstoreAttachments = false) : IPullClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly TempDirectory _directory = new("podman-pull");
    private int _pulls;
    private (string[] Global, Dictionary<string, string> Environment)? _last;

    public string Name => sigstoreAttachments ? "podman+sigstore" : "podman";

    public async Task<PulledImage> PullAsync(string reference, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pull = _directory.Combine("pull-" + Interlocked.Increment(ref _pulls).ToString(CultureInfo.InvariantCulture));
        string root = Path.Combine(pull, "root"), runRoot = Path.Combine(pull, "runroot"), temp = Path.Combine(pull, "tmp"), home = Path.Combine(pull, "home");
        Directory.CreateDirectory(temp);
        var registriesD = Path.Combine(home, ".config", "containers", "registries.d");
        Directory.CreateDirectory(registriesD);
        if (sigstoreAttachments)
        {
            await File.WriteAllTextAsync(Path.Combine(registriesD, "default.yaml"), "default-docker:\n  use-sigstore-attachments: true\n", cancellationToken);
        }

        var storageConf = Path.Combine(pull, "storage.conf");
        await File.WriteAllTextAsync(storageConf, $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{root}\"\nrunroot = \"{runRoot}\"\n", cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["TMPDIR"] = temp,
            ["CONTAINERS_STORAGE_CONF"] = storageConf,
            ["CONTAINERS_REGISTRIES_CONF"] = PullClients.WriteEmptyRegistriesConf(pull),
        };
        string[] global = ["--root", root, "--runroot", runRoot, "--tmpdir", temp, "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file"];

        _last = (global, environment);
        var result = (await Commands.RunAsync("podman", [.. global, "pull", "--tls-verify=false", reference], Timeout, environment).WaitAsync(cancellationToken)).EnsureSuccess();
        var inspect = (await Commands.RunAsync("podman", [.. global, "image", "inspect", "--format", "{{.Digest}}", reference], Timeout, environment).WaitAsync(cancellationToken)).EnsureSuccess();
        return new PulledImage(Name, reference, inspect.StandardOutput.Trim(), result);
    }

    /// <summary><c>podman image inspect --format</c> of an image in the last pull's storage.</summary>
    public async Task<string> InspectAsync(string reference, string format)
    {
        var (global, environment) = _last ?? throw new InvalidOperationException("nothing pulled yet");
        return (await Commands.RunAsync("podman", [.. global, "image", "inspect", "--format", format, reference], Timeout, environment)).EnsureSuccess().StandardOutput.Trim();
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
