using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// Its own <c>dockerd</c> (Debian's docker.io 20.10; data root, exec root, pidfile and socket in a directory
/// under /tmp, vfs storage, no bridge, no iptables or forwarding changes on the host, its own daemon.json
/// instead of /etc/docker/daemon.json, no proxy variables), which spawns its own managed containerd under the
/// exec root; driven by <c>/usr/bin/docker</c> with an empty <c>DOCKER_CONFIG</c>. <see cref="PullAsync"/> is
/// <c>docker pull</c>: the host platform only, over plain HTTP, which docker allows for registries on
/// 127.0.0.0/8 without configuration. Docker keeps one layer store for all images (a layer already there is
/// not downloaded again), so every pull starts with <see cref="ResetAsync"/>, which removes every image and
/// with them every layer: a pull after a failed test, which did not reset, still downloads every blob.
/// One daemon serves every pull (it starts and stops in well under a second here, but a restart per pull would add up).
/// </summary>
internal sealed partial class DockerPullClient : IPullClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Graceful shutdown (dockerd stops its containerd first) takes about a second at most here; a kill is the fallback.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private static readonly string[] ProxyVariables = ["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "no_proxy", "all_proxy"];

    private readonly TempDirectory _directory;
    private readonly Process _process;
    private readonly RecentLines _log = new();
    private readonly Dictionary<string, string> _environment;

    private DockerPullClient(TempDirectory directory, Process process)
    {
        _directory = directory;
        _process = process;
        _process.OutputDataReceived += (_, e) => _log.Add(e.Data);
        _process.ErrorDataReceived += (_, e) => _log.Add(e.Data);
        _environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The CLI's own configuration (auths, proxies, context) would otherwise come from ~/.docker.
            ["DOCKER_CONFIG"] = directory.Combine("config"),
            ["DOCKER_CONTENT_TRUST"] = "0",
        };
        foreach (var variable in ProxyVariables)
        {
            // Empty is unset for Go's proxy lookup.
            _environment[variable] = string.Empty;
        }
    }

    public string Name => PullClients.Docker;

    /// <summary>The daemon's address, for <c>docker -H</c>.</summary>
    public string Host => "unix://" + _directory.Combine("docker.sock");

    /// <summary>The last lines dockerd (and its containerd, which logs through it) wrote.</summary>
    public string RecentLog => _log.ToString();

    private string DataRoot => _directory.Combine("root");

    public static async Task<DockerPullClient> StartAsync()
    {
        Tools.Require("dockerd", "docker", "containerd");
        // Under /tmp: containerd's sockets lie in the exec root, and unix socket paths are short.
        var directory = TempDirectory.UnderTmp("docker");
        Directory.CreateDirectory(directory.Combine("config"));
        // Instead of /etc/docker/daemon.json (a host's mirrors, proxies, insecure registries); its only setting
        // keeps dockerd's identity key in the directory too: by default it is /etc/docker/key.json, made if missing.
        var daemonJson = directory.Combine("daemon.json");
        await File.WriteAllTextAsync(daemonJson, new JsonObject { ["deprecated-key-path"] = directory.Combine("key.json") }.ToJsonString());
        var info = new ProcessStartInfo(Tools.Find("dockerd"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        foreach (var argument in new[]
        {
            "--config-file", daemonJson,
            "--data-root", directory.Combine("root"),
            "--exec-root", directory.Combine("exec"),
            "--pidfile", directory.Combine("docker.pid"),
            "--host", "unix://" + directory.Combine("docker.sock"),
            "--storage-driver", "vfs",
            // Pulls only: no network of its own, and nothing changed in the host's netfilter or sysctls.
            "--bridge", "none",
            "--iptables=false",
            "--ip6tables=false",
            "--ip-forward=false",
            "--ip-masq=false",
            "--userland-proxy=false",
        })
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var variable in ProxyVariables)
        {
            info.Environment.Remove(variable);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start dockerd");
        var client = new DockerPullClient(directory, process);
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

    public async Task<PulledImage> PullAsync(string reference, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await ResetAsync().WaitAsync(cancellationToken);
        var result = await DockerAsync(["pull", reference]).WaitAsync(cancellationToken);
        // "Digest: sha256:…" is what the tag resolved to: the index's digest for a multi-platform image.
        var match = DigestLine().Match(result.StandardOutput);
        if (!match.Success)
        {
            throw new InvalidOperationException($"no Digest line in the output of `{result.Command}`:\n{result.StandardOutput}");
        }

        var digest = match.Groups[1].Value;
        // The daemon recorded the same digest for the image it stored.
        var inspect = await DockerAsync(["image", "inspect", "--format", "{{json .RepoDigests}}", reference]).WaitAsync(cancellationToken);
        var repoDigests = JsonSerializer.Deserialize<string[]>(inspect.StandardOutput) ?? [];
        return repoDigests.Any(d => d.EndsWith("@" + digest, StringComparison.Ordinal))
            ? new PulledImage(Name, reference, digest, result)
            : throw new InvalidOperationException($"`{result.Command}` printed {digest}, but the image's RepoDigests are {inspect.StandardOutput.Trim()}");
    }

    /// <summary><c>docker image inspect --format</c> of an image the daemon holds.</summary>
    public async Task<string> InspectAsync(string reference, string format)
        => (await DockerAsync(["image", "inspect", "--format", format, reference])).StandardOutput.Trim();

    /// <summary>
    /// <c>docker pull --all-tags</c>: docker lists the repository's tags (<c>GET /v2/&lt;name&gt;/tags/list</c>,
    /// following <c>Link</c> headers for further pages) and pulls each. Returns one entry per tag it then holds.
    /// </summary>
    public async Task<IReadOnlyList<PulledImage>> PullAllTagsAsync(string repository, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        await ResetAsync().WaitAsync(cancellationToken);
        var result = await DockerAsync(["pull", "--all-tags", repository]).WaitAsync(cancellationToken);
        var list = await DockerAsync(["image", "ls", "--digests", "--format", "{{.Tag}} {{.Digest}}", repository]).WaitAsync(cancellationToken);
        return [.. list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' '))
            .Select(columns => new PulledImage(Name, repository + ":" + columns[0], columns[^1], result))];
    }

    /// <summary>
    /// Removes every image. Docker shares layers between images and keeps one only while an image uses it, so
    /// afterwards the layer store is empty and the next pull downloads every blob again; checked, since a layer
    /// left behind would silently turn the next pull's download into a local hit.
    /// </summary>
    public async Task ResetAsync()
    {
        var images = await DockerAsync(["image", "ls", "--all", "--quiet", "--no-trunc"]);
        var ids = images.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count > 0)
        {
            await DockerAsync(["image", "rm", "--force", .. ids]);
        }

        var layers = Path.Combine(DataRoot, "image", "vfs", "layerdb", "sha256");
        var left = Directory.Exists(layers) ? Directory.GetDirectories(layers) : [];
        if (left.Length > 0)
        {
            throw new InvalidOperationException($"{left.Length} layer(s) left in {layers} after removing every image:\n{string.Join('\n', left)}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The managed containerd, to make sure it went with dockerd (it normally does on a graceful stop).
        var containerd = ReadPid(_directory.Combine("exec", "containerd", "containerd.pid"));
        if (!_process.HasExited)
        {
            // SIGTERM: dockerd then stops its containerd and undoes the bind mount of its data root
            // (a kill would leave that mount behind, and the directory could not be removed).
            Processes.Signal(_process, "TERM");
            using var stop = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                _log.Add($"dockerd did not stop within {StopTimeout} of SIGTERM: killed");
            }
        }

        await Processes.StopAsync(_process);
        StopContainerd(containerd);
        await UnmountAsync();
        _directory.Dispose();
    }

    private async Task<CommandResult> DockerAsync(IEnumerable<string> arguments)
    {
        var result = await Commands.RunAsync("docker", ["--host", Host, .. arguments], Timeout, _environment);
        return result.ExitCode == 0
            ? result
            : throw new InvalidOperationException($"`{result.Command}` exited with {result.ExitCode}\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}\ndockerd:\n{RecentLog}");
    }

    /// <summary>Polls <c>docker version</c> every 50 ms for at most <see cref="StartTimeout"/>, failing early when dockerd exits.</summary>
    private async Task WaitUntilReadyAsync()
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < StartTimeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"dockerd exited with {_process.ExitCode} before it was ready:\n{RecentLog}");
            }

            if (File.Exists(_directory.Combine("docker.sock"))
                && (await Commands.RunAsync("docker", ["--host", Host, "version", "--format", "{{.Server.Version}}"], TimeSpan.FromSeconds(10), _environment)).ExitCode == 0)
            {
                return;
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"dockerd was not ready within {StartTimeout}:\n{RecentLog}");
    }

    private static int? ReadPid(string path)
        => File.Exists(path) && int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;

    /// <summary>Kills the containerd that this dockerd started, if it is still there (only that process, by its id).</summary>
    private void StopContainerd(int? pid)
    {
        if (pid is null)
        {
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid.Value);
            // The id could have been reused: only a containerd whose command line names this exec root.
            var commandLine = File.ReadAllText($"/proc/{pid.Value}/cmdline").Replace('\0', ' ');
            if (process.ProcessName == "containerd" && commandLine.Contains(_directory.Path, StringComparison.Ordinal))
            {
                _log.Add($"containerd {pid.Value} outlived dockerd: killed");
                process.Kill();
                process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException)
        {
            // Gone already.
        }
    }

    /// <summary>After a kill, dockerd's bind mount of its data root (or anything else mounted under the directory) is left: unmount it.</summary>
    private async Task UnmountAsync()
    {
        var mounts = (await File.ReadAllLinesAsync("/proc/self/mounts"))
            .Select(line => line.Split(' ')[1])
            .Where(point => point.StartsWith(_directory.Path + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length);
        foreach (var point in mounts)
        {
            await Commands.RunAsync("umount", [point], TimeSpan.FromSeconds(10));
        }
    }


    [GeneratedRegex(@"^Digest: (sha256:[0-9a-f]{64})$", RegexOptions.Multiline)]
    private static partial Regex DigestLine();
}
