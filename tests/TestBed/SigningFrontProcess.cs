using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Archeio.TestBed;

/// <summary>
/// A node signing front of <c>tests/TestBed/signing</c> (sigv4-front.mjs, cloudfront-front.mjs) on two free
/// 127.0.0.1 ports: the front itself and its control port (<c>POST /clock?offset=N</c>). Its stdout verdict lines
/// are parsed into <see cref="Verdicts"/>; they are written when a response has finished, so wait for them
/// (<see cref="WaitForAsync"/>) rather than reading them right after a response.
/// </summary>
internal sealed class SigningFrontProcess : IAsyncDisposable
{
    private const int Attempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<SigningVerdict> _verdicts = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false });

    private SigningFrontProcess(Process process, string name, int port, int controlPort)
    {
        _process = process;
        Name = name;
        Port = port;
        ControlPort = controlPort;
    }

    public string Name { get; }

    public int Port { get; }

    public int ControlPort { get; }

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public string BaseUrl => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    public IReadOnlyList<SigningVerdict> Verdicts => [.. _verdicts];

    /// <summary>Everything the front printed so far (stdout and stderr), for diagnostics.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The folder of the node scripts: <c>&lt;repo&gt;/tests/TestBed/signing</c>.</summary>
    public static string ScriptDirectory => Path.Combine(Tools.RepositoryRoot, "tests", "TestBed", "signing");

    /// <summary>Throws naming the npm packages missing from <c>.tools/node_modules</c> (scripts/test.sh installs them).</summary>
    public static void RequirePackages(params string[] packages)
    {
        Tools.Require("node");
        var modules = Path.Combine(Tools.RepositoryRoot, ".tools", "node_modules");
        var missing = packages.Where(p => !File.Exists(Path.Combine(modules, p, "package.json"))).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The signing test bed needs the npm packages {string.Join(", ", missing)} in {modules}. Run scripts/test.sh, which installs them.");
        }
    }

    /// <summary>Runs <c>node &lt;script&gt; &lt;arguments&gt;</c> to completion (self-tests, the reference signer).</summary>
    public static Task<CommandResult> RunScriptAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
        => Commands.RunAsync("node", [Path.Combine(ScriptDirectory, script), .. arguments], timeout, workingDirectory: ScriptDirectory);

    /// <summary>Starts <paramref name="script"/> with <c>--port</c>, <c>--control-port</c> and <paramref name="arguments"/>; waits until both listen.</summary>
    public static async Task<SigningFrontProcess> StartAsync(string script, IReadOnlyList<string> arguments)
    {
        for (var attempt = 1; ; attempt++)
        {
            var ports = LoopbackPorts.Free(2);
            var front = Launch(script, ports[0], ports[1], arguments);
            if (await LoopbackPorts.WaitUntilListeningAsync(ports, () => front._process.HasExited, StartTimeout))
            {
                return front;
            }

            var exited = front._process.HasExited;
            await front.DisposeAsync();
            if (exited && attempt < Attempts && front.Output.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                continue; // Another process took a free port first: try others.
            }

            throw new InvalidOperationException(
                $"{script} on 127.0.0.1:{front.Port} {(exited ? "exited" : $"did not listen within {StartTimeout.TotalSeconds} s")}.\noutput:\n{front.Output}");
        }
    }

    public int Mark() => _verdicts.Count;

    public IReadOnlyList<SigningVerdict> Since(int mark) => [.. _verdicts.Skip(mark)];

    /// <summary>
    /// Returns the verdicts after <paramref name="mark"/> once <paramref name="done"/> holds for them; throws
    /// <see cref="TimeoutException"/> listing what was seen if it does not within the timeout (10 s by default).
    /// </summary>
    public async Task<IReadOnlyList<SigningVerdict>> WaitForAsync(int mark, Func<IReadOnlyList<SigningVerdict>, bool> done, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(done);
        var limit = timeout ?? DefaultWait;
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var verdicts = Since(mark);
            if (done(verdicts))
            {
                return verdicts;
            }

            if (TimeProvider.System.GetElapsedTime(started) > limit || _process.HasExited)
            {
                throw new TimeoutException(
                    $"{Name}: the expected verdicts did not come within {limit.TotalSeconds:F1} s{(_process.HasExited ? " (the front exited)" : "")}. "
                    + $"Verdicts since mark {mark}:\n  {string.Join("\n  ", verdicts)}\noutput:\n{Output}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The first verdict after <paramref name="mark"/>.</summary>
    public async Task<SigningVerdict> WaitForNextAsync(int mark, TimeSpan? timeout = null)
        => (await WaitForAsync(mark, v => v.Count >= 1, timeout))[0];

    /// <summary>Sets the front's clock to the system clock + <paramref name="offset"/> (its control port's <c>POST /clock?offset=N</c>).</summary>
    public async Task SetClockOffsetAsync(TimeSpan offset)
    {
        var seconds = offset.TotalSeconds.ToString("R", CultureInfo.InvariantCulture);
        using var response = await _http.PostAsync(new Uri($"http://127.0.0.1:{ControlPort}/clock?offset={seconds}"), content: null);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{Name}: POST /clock?offset={seconds} answered {(int)response.StatusCode}: {body}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
        _http.Dispose();
    }

    /// <summary>Parses one stdout line; false for anything but a verdict (the start line, stray output).</summary>
    public static bool TryParseVerdict(string line, out SigningVerdict verdict)
    {
        verdict = null!;
        if (string.IsNullOrEmpty(line) || line[0] != '{')
        {
            return false;
        }

        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("verdict", out var verdictText))
            {
                return false;
            }

            static string? Text(JsonElement root, string name)
                => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

            verdict = new SigningVerdict(
                Text(root, "method") ?? string.Empty,
                Text(root, "path") ?? string.Empty,
                verdictText.GetString() == "accepted",
                Text(root, "auth") ?? "none",
                Text(root, "code"),
                Text(root, "check"),
                Text(root, "reason") ?? string.Empty,
                root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Number ? status.GetInt32() : 0);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static SigningFrontProcess Launch(string script, int port, int controlPort, IReadOnlyList<string> arguments)
    {
        var info = new ProcessStartInfo(Tools.Find("node"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = ScriptDirectory,
        };
        info.ArgumentList.Add(Path.Combine(ScriptDirectory, script));
        foreach (var argument in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--control-port", controlPort.ToString(CultureInfo.InvariantCulture) }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment.Remove("NODE_OPTIONS");
        var process = new Process { StartInfo = info };
        var front = new SigningFrontProcess(process, Path.GetFileNameWithoutExtension(script), port, controlPort);
        process.OutputDataReceived += (_, e) => front.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => front.OnOutput(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return front;
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (TryParseVerdict(line, out var verdict))
        {
            _verdicts.Enqueue(verdict);
        }
    }
}
