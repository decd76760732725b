using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Archeio.TestBed;

namespace Archeio.Tests.Support;

/// <summary>
/// The real Archeio server as a separate process (<c>dotnet Archeio.dll</c>), on a free loopback port and a free
/// operations (metrics) port of its own, so that servers started in parallel never meet on the default 9090, with
/// the environment given. Start-up is awaited by reading the host's "Now listening on" line from its log (written
/// once every listener is bound), not by sleeping.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The operations port's variable; a caller's environment may set it.</summary>
    public const string MetricsPortVariable = "Archeio__Metrics__Port";

    private ServerProcess(Process process, int port, int metricsPort)
    {
        _process = process;
        Port = port;
        MetricsPort = metricsPort;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>The operations port: <c>/metrics</c>, <c>/healthz</c>, <c>/readyz</c>.</summary>
    public int MetricsPort { get; }

    public Uri MetricsAddress => new($"http://127.0.0.1:{MetricsPort}");

    public IReadOnlyCollection<string> StandardOutput => _stdout;

    public string StandardError => string.Join('\n', _stderr);

    public Process Process => _process;

    /// <summary>Starts the server and waits until it listens (or exits, or 60 s pass).</summary>
    public static Task<ServerProcess> StartAsync(IDictionary<string, string> environment, params string[] args)
        => StartAsync(LoopbackPorts.Free(), environment, args);

    /// <summary>Starts the server on a port chosen by the caller (e.g. one a proxy was already configured for).</summary>
    public static async Task<ServerProcess> StartAsync(int port, IDictionary<string, string> environment, params string[] args)
    {
        var server = Launch(port, environment, args);
        var exited = server._process.WaitForExitAsync();
        var first = await Task.WhenAny(server._listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != server._listening.Task)
        {
            var why = exited.IsCompleted ? $"exited with {server._process.ExitCode}" : "did not listen within 60 s";
            await server.DisposeAsync();
            throw new InvalidOperationException($"Archeio on port {port} {why}.\nstdout:\n{string.Join('\n', server._stdout)}\nstderr:\n{server.StandardError}");
        }

        return server;
    }

    /// <summary>Runs the server to completion (for start-up failures) and returns its exit code.</summary>
    public static async Task<(int ExitCode, string StandardError)> RunToExitAsync(IDictionary<string, string> environment, params string[] args)
    {
        await using var server = Launch(LoopbackPorts.Free(), environment, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await server._process.WaitForExitAsync(timeout.Token);
        return (server._process.ExitCode, server.StandardError);
    }

    /// <summary>Waits (at most <paramref name="timeout"/>) for the process to exit and its output to be read; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var limit = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    /// <summary>Waits (at most 10 s) for a standard-output line that contains <paramref name="text"/>.</summary>
    public Task WaitForLineAsync(string text)
        => WaitForLineAsync(line => line.Contains(text, StringComparison.Ordinal), $"a log line with '{text}'");

    /// <summary>
    /// Waits (at most 10 s) for a standard-output line that <paramref name="match"/> accepts. Lines of the server's
    /// own events reach standard output a little after the state they report is visible (the console logger queues
    /// them, the log output batches its writes), so a test that saw the state waits for the line, never asserts it.
    /// </summary>
    public Task WaitForLineAsync(Func<string, bool> match, string what)
        => Eventually.TrueAsync(() => _stdout.Any(match), what);

    /// <summary>
    /// The access-log entries (the <c>State</c> of event 1) since <paramref name="mark"/> (a count of
    /// <see cref="StandardOutput"/> lines), complete: a request of its own is sent through <paramref name="http"/> and its
    /// line awaited, and the console logger writes lines in order, so every request answered before it is logged by then.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> AccessLogSinceAsync(HttpClient http, int mark)
    {
        ArgumentNullException.ThrowIfNull(http);
        var sentinel = "/access-log-sentinel-" + Guid.NewGuid().ToString("N");
        using (await http.GetAsync(new Uri(BaseAddress, sentinel)))
        {
        }

        await WaitForLineAsync(sentinel);
        return [.. _stdout.Skip(mark)
            .Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("EventId").GetInt32() == 1)
            .Select(e => e.GetProperty("State").Clone())];
    }

    /// <summary>Sends SIGTERM (as a container runtime does on shutdown) or another signal, e.g. <c>INT</c> (Ctrl-C).</summary>
    public void Terminate(string signal = "TERM") => Processes.Signal(_process, signal);

    private static ServerProcess Launch(int port, IDictionary<string, string> environment, string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BuildOutput.Find("Archeio", "Archeio.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // A clean environment of the server's own: nothing from the test runner leaks in.
        foreach (var name in info.Environment.Keys.ToList())
        {
            if (name.StartsWith("Archeio", StringComparison.OrdinalIgnoreCase) || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
                || name is "PORT" or "UPSTREAM_REGISTRY_ENDPOINT" or "UPSTREAM_REGISTRY_PATH" or "SIGNATURE_UPSTREAM_ENDPOINT" or "DEFAULT_AWS_BASE_URL")
            {
                info.Environment.Remove(name);
            }
        }

        info.Environment["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A caller's port was free when it was chosen and may be free again now, so the OS can hand it out twice.
        var operations = LoopbackPorts.Free(2).First(p => p != port);
        info.Environment[MetricsPortVariable] = operations.ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var metricsPort = int.Parse(info.Environment[MetricsPortVariable]!, System.Globalization.CultureInfo.InvariantCulture);
        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process, port, metricsPort);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            server._stdout.Enqueue(e.Data);
            if (e.Data.Contains("Now listening on", StringComparison.Ordinal))
            {
                server._listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                server._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
    }
}
