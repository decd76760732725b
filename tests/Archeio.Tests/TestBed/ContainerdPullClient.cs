using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// Its own <c>containerd</c> (root, state, socket and opt in a temp directory; CRI off; content not shared
/// between namespaces) driven by <c>ctr</c>. Each pull uses a fresh namespace, so it downloads every blob.
/// <see cref="PullAsync"/> is <c>ctr image pull --plain-http --snapshotter native</c> (host platform, unpacked);
/// <see cref="FetchAsync"/> is <c>ctr content fetch</c>, which stores without unpacking (for non-image artifacts
/// such as cosign signatures, whose layer is no tar).
/// </summary>
internal sealed partial class ContainerdPullClient : IPullClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly TempDirectory _directory;
    private readonly Process _process;
    private readonly RecentLines _log = new();
    private readonly ConcurrentQueue<string> _namespaces = new();
    private int _pulls;

    private ContainerdPullClient(TempDirectory directory, Process process)
    {
        _directory = directory;
        _process = process;
        _process.OutputDataReceived += (_, e) => _log.Add(e.Data);
        _process.ErrorDataReceived += (_, e) => _log.Add(e.Data);
    }

    public string Name => "containerd";

    public string Socket => _directory.Combine("containerd.sock");

    /// <summary>The last lines containerd logged.</summary>
    public string RecentLog => _log.ToString();

    public static async Task<ContainerdPullClient> StartAsync()
    {
        Tools.Require("containerd", "ctr");
        var directory = new TempDirectory("containerd");
        var config = directory.Combine("config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{directory.Combine("root")}"
            state = "{directory.Combine("state")}"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]

            [grpc]
              address = "{directory.Combine("containerd.sock")}"

            [ttrpc]
              address = "{directory.Combine("containerd.sock.ttrpc")}"

            [debug]
              address = ""

            [metrics]
              address = ""

            [plugins."io.containerd.internal.v1.opt"]
              path = "{directory.Combine("opt")}"

            [plugins."io.containerd.metadata.v1.bolt"]
              content_sharing_policy = "isolated"
            """);
        var info = new ProcessStartInfo(Tools.Find("containerd"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(config);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start containerd");
        var client = new ContainerdPullClient(directory, process);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await client.WaitUntilReadyAsync();
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public Task<PulledImage> PullAsync(string reference, CancellationToken cancellationToken)
        => GetAsync(["image", "pull", "--plain-http", "--snapshotter", "native", reference], reference, cancellationToken);

    /// <summary>Downloads the manifest(s), config and layers of the host platform into the content store without unpacking.</summary>
    public Task<PulledImage> FetchAsync(string reference, CancellationToken cancellationToken)
        => GetAsync(["content", "fetch", "--plain-http", reference], reference, cancellationToken);

    /// <summary>Removes earlier pulls' images (and, through garbage collection, their content and snapshots).</summary>
    public async Task ResetAsync()
    {
        while (_namespaces.TryDequeue(out var ns))
        {
            var images = await CtrAsync(ns, ["image", "ls", "--quiet"]);
            var names = images.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names.Length > 0)
            {
                await CtrAsync(ns, ["image", "rm", "--sync", .. names]);
            }

            // Best effort: a namespace that still holds something stays; the directory goes on dispose.
            await Commands.RunAsync("ctr", ["--address", Socket, "namespaces", "rm", ns], Timeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
        _directory.Dispose();
    }

    private async Task<PulledImage> GetAsync(string[] arguments, string reference, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var ns = "pull-" + Interlocked.Increment(ref _pulls).ToString(CultureInfo.InvariantCulture);
        _namespaces.Enqueue(ns);
        var result = await CtrAsync(ns, arguments).WaitAsync(cancellationToken);
        // The namespace is fresh, so it holds exactly this image: REF TYPE DIGEST SIZE PLATFORMS LABELS.
        var list = await CtrAsync(ns, ["image", "ls"]).WaitAsync(cancellationToken);
        var digest = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns.Length > 2 && Digest().IsMatch(columns[2]))
            .Select(columns => columns[2])
            .ToList();
        return digest.Count == 1
            ? new PulledImage(Name, reference, digest[0], result)
            : throw new InvalidOperationException($"no image digest in `ctr image ls` after pulling {reference}:\n{list.StandardOutput}");
    }

    private async Task<CommandResult> CtrAsync(string ns, IEnumerable<string> arguments)
    {
        var result = await Commands.RunAsync("ctr", ["--address", Socket, "--namespace", ns, .. arguments], Timeout);
        return result.ExitCode == 0
            ? result
            : throw new InvalidOperationException($"`{result.Command}` exited with {result.ExitCode}\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}\ncontainerd:\n{RecentLog}");
    }

    /// <summary>Polls <c>ctr version</c>, at most 100 times 50 ms, failing early when containerd exits.</summary>
    private async Task WaitUntilReadyAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"containerd exited with {_process.ExitCode} before it was ready:\n{RecentLog}");
            }

            if (File.Exists(Socket)
                && (await Commands.RunAsync("ctr", ["--address", Socket, "--timeout", "2s", "version"], TimeSpan.FromSeconds(10))).ExitCode == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("containerd was not ready within 5 s:\n" + RecentLog);
    }


    [GeneratedRegex("^sha256:[0-9a-f]{64}$")]
    private static partial Regex Digest();
}
