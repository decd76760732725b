using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Archeio.TestBed;

/// <summary>
/// Debian's <c>docker-registry</c> (Distribution 2.8) on a free 127.0.0.1 port, with filesystem storage in
/// a temp directory, deletes enabled and no auth unless the caller adds an <c>auth:</c> section (see
/// <see cref="TokenAuthRegistry"/>). Its access log (combined format, on stdout) feeds
/// <see cref="AccessLog"/>; its application log (logrus text, on stderr) is kept for failure messages.
/// </summary>
internal sealed partial class RegistryProcess : IAsyncDisposable
{
    private const int KeptLogLines = 200;
    private static readonly HttpClient Http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(2) };

    private readonly Process _process;
    private readonly TempDirectory _directory;
    private readonly ConcurrentQueue<string> _log = new();

    private RegistryProcess(string name, int port, TempDirectory directory, Process process)
    {
        Port = port;
        _directory = directory;
        _process = process;
        AccessLog = new AccessLog(name);
        _process.OutputDataReceived += (_, e) => OnAccessLogLine(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
    }

    public int Port { get; }

    public string BaseUrl => "http://" + HostPort;

    public string HostPort => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Requests as the registry logged them: method, path without query, status.</summary>
    public AccessLog AccessLog { get; }

    /// <summary>The storage root (<c>docker/registry/v2/...</c> below it).</summary>
    public string StorageDirectory => _directory.Combine("storage");

    /// <summary>The last lines of the registry's application log (and any access line it could not parse).</summary>
    public string RecentLog => string.Join('\n', _log);

    /// <param name="name">Names the temp directory and the access log.</param>
    /// <param name="extraConfiguration">Top-level YAML appended to the configuration, e.g. an <c>auth:</c> section.</param>
    public static async Task<RegistryProcess> StartAsync(string name, string? extraConfiguration = null)
    {
        Tools.Require("docker-registry");
        // The port is free when picked but could be taken before the registry binds it: try again then.
        for (var attempt = 1; ; attempt++)
        {
            var directory = new TempDirectory("registry-" + name);
            var port = LoopbackPorts.Free();
            var process = Start(directory, port, extraConfiguration);
            var registry = new RegistryProcess(name, port, directory, process);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                await registry.WaitUntilReadyAsync();
                return registry;
            }
            catch (InvalidOperationException) when (attempt < 3 && registry.RecentLog.Contains("address already in use", StringComparison.Ordinal))
            {
                await registry.DisposeAsync();
            }
            catch
            {
                await registry.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>
    /// Waits (bounded) until the access log since <paramref name="mark"/> satisfies <paramref name="condition"/>:
    /// the registry writes a line after the response, so a client may be done before its last line arrives.
    /// Returns the entries since the mark either way; the caller asserts on them.
    /// </summary>
    public async Task<IReadOnlyList<AccessLogEntry>> WaitForAccessLogAsync(int mark, Func<IReadOnlyList<AccessLogEntry>, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = TimeProvider.System.GetTimestamp() + (long)((timeout ?? TimeSpan.FromSeconds(5)).TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            var entries = AccessLog.Since(mark);
            if (condition(entries) || TimeProvider.System.GetTimestamp() > deadline)
            {
                return entries;
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
        _directory.Dispose();
    }

    private static Process Start(TempDirectory directory, int port, string? extraConfiguration)
    {
        var config = directory.Combine("config.yml");
        File.WriteAllText(config, $"""
            version: 0.1
            log:
              accesslog:
                disabled: false
              level: info
              formatter: text
            storage:
              filesystem:
                rootdirectory: {directory.Combine("storage")}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:{port}
              secret: archeio-test-bed

            """ + (extraConfiguration ?? ""));
        var info = new ProcessStartInfo(Tools.Find("docker-registry"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory.Path,
        };
        info.ArgumentList.Add("serve");
        info.ArgumentList.Add(config);
        return Process.Start(info) ?? throw new InvalidOperationException("could not start docker-registry");
    }

    /// <summary>
    /// Polls <c>GET /v2/</c>, at most 100 times 50 ms, failing early when the process exits. 401 counts as ready:
    /// it is what a registry with auth answers there.
    /// </summary>
    private async Task WaitUntilReadyAsync()
    {
        for (var i = 0; i < 100; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode} before it was ready:\n{RecentLog}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(BaseUrl + "/v2/"));
                if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException($"docker-registry on {HostPort} was not ready within 5 s:\n{RecentLog}");
    }

    private void OnAccessLogLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        var match = CombinedLogLine().Match(line);
        if (match.Success)
        {
            AccessLog.Add(match.Groups["method"].Value, match.Groups["path"].Value, int.Parse(match.Groups["status"].Value, CultureInfo.InvariantCulture));
        }
        else
        {
            Keep(line);
        }
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _log.Enqueue(line);
        while (_log.Count > KeptLogLines)
        {
            _log.TryDequeue(out _);
        }
    }

    /// <summary><c>127.0.0.1 - - [28/Nov/2026:03:17:40 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"</c></summary>
    [GeneratedRegex("""^\S+ \S+ \S+ \[[^\]]*\] "(?<method>[A-Z]+) (?<path>\S+) [^"]*" (?<status>\d{3}) """)]
    private static partial Regex CombinedLogLine();
}
