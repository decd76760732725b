using System.Collections.Concurrent;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// One nginx master (<c>nginx -p &lt;prefix&gt; -c &lt;conf&gt; -e &lt;error log&gt; -g 'daemon off;'</c>, one worker)
/// with, per <see cref="NginxOptions"/>, a static "public bucket" server and any number of load
/// balancers in front of Archeio, each on its own free 127.0.0.1 port.
/// <para>
/// Every server writes its own JSON access log; a background reader follows the files every few
/// milliseconds into <see cref="StaticLog"/> (backend <c>static</c>) and <see cref="LoadBalancerLogs"/>
/// (backend = location name). nginx writes a line after its response, so wait for the lines a test
/// expects with <see cref="WaitForAsync"/>, which also reads the files on each look.
/// </para>
/// </summary>
internal sealed class NginxProcess : IAsyncDisposable
{
    private const int Attempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TailInterval = TimeSpan.FromMilliseconds(25);

    private readonly Process _process;
    private readonly TempDirectory _prefix;
    private readonly List<LogTail> _tails = [];
    private readonly Lock _tailLock = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly ConcurrentQueue<string> _unparsed = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly int? _staticPort;
    private readonly AccessLog? _staticLog;
    private Task _tailLoop = Task.CompletedTask;

    private NginxProcess(
        Process process,
        TempDirectory prefix,
        string configuration,
        int? staticPort,
        IReadOnlyDictionary<string, int> loadBalancerPorts)
    {
        _process = process;
        _prefix = prefix;
        Configuration = configuration;
        _staticPort = staticPort;
        if (staticPort is not null)
        {
            _staticLog = new AccessLog("static");
            Follow(LogPath(prefix, "static"), _staticLog);
        }

        LoadBalancerPorts = loadBalancerPorts;
        var logs = new Dictionary<string, AccessLog>(StringComparer.Ordinal);
        var index = 0;
        foreach (var location in loadBalancerPorts.Keys)
        {
            logs[location] = new AccessLog(location);
            Follow(LogPath(prefix, LoadBalancerLogName(index++)), logs[location]);
        }

        LoadBalancerLogs = new ReadOnlyDictionary<string, AccessLog>(logs);
    }

    /// <summary>The static server's port; throws if <see cref="NginxOptions.StaticRoot"/> was not set.</summary>
    public int StaticPort => _staticPort ?? throw new InvalidOperationException("this nginx has no static server (NginxOptions.StaticRoot)");

    /// <summary><c>http://127.0.0.1:port</c> of the static server.</summary>
    public string StaticBaseUrl => "http://127.0.0.1:" + StaticPort.ToString(CultureInfo.InvariantCulture);

    public AccessLog StaticLog => _staticLog ?? throw new InvalidOperationException("this nginx has no static server (NginxOptions.StaticRoot)");

    /// <summary>Port of each load balancer, by location name.</summary>
    public IReadOnlyDictionary<string, int> LoadBalancerPorts { get; }

    /// <summary>Access log of each load balancer (backend = location name), by location name.</summary>
    public IReadOnlyDictionary<string, AccessLog> LoadBalancerLogs { get; }

    /// <summary>The generated nginx.conf.</summary>
    public string Configuration { get; }

    public string PrefixDirectory => _prefix.Path;

    /// <summary>nginx's error log so far (plus anything it printed on stderr).</summary>
    public string ErrorLog => ReadErrorLog(_prefix, _stderr);

    /// <summary>Access log lines that were not the expected JSON (should stay empty).</summary>
    public IReadOnlyCollection<string> UnparsedLogLines => _unparsed;

    /// <summary><c>http://127.0.0.1:port</c> of a load balancer.</summary>
    public Uri LoadBalancerAddress(string location)
        => new("http://127.0.0.1:" + LoadBalancerPorts[location].ToString(CultureInfo.InvariantCulture));

    /// <summary>Writes the configuration, starts nginx and waits until every server listens.</summary>
    public static async Task<NginxProcess> StartAsync(NginxOptions options)
    {
        Validate(options);
        Tools.Require("nginx");
        for (var attempt = 1; ; attempt++)
        {
            var nginx = Launch(options);
            var ports = nginx.LoadBalancerPorts.Values.Concat(nginx._staticPort is { } p ? [p] : []);
            if (await LoopbackPorts.WaitUntilListeningAsync(ports, () => nginx._process.HasExited, StartTimeout))
            {
                nginx._tailLoop = nginx.TailAsync();
                return nginx;
            }

            var exited = nginx._process.HasExited;
            var errors = nginx.ErrorLog;
            var configuration = nginx.Configuration;
            await nginx.DisposeAsync();
            if (exited && attempt < Attempts && errors.Contains("Address already in use", StringComparison.Ordinal))
            {
                continue; // Another process took a free port first: try others.
            }

            throw new InvalidOperationException(
                $"nginx {(exited ? "exited" : $"did not listen on every port within {StartTimeout.TotalSeconds} s")}.\n"
                + $"error log:\n{errors}\nnginx.conf:\n{configuration}");
        }
    }

    /// <summary>Reads any new access log lines now (the background reader does so every 25 ms too).</summary>
    public void Refresh()
    {
        lock (_tailLock)
        {
            foreach (var tail in _tails)
            {
                tail.Poll();
            }
        }
    }

    /// <summary>
    /// Waits until the entries of <paramref name="log"/> after <paramref name="mark"/> satisfy
    /// <paramref name="done"/>, reading the files on each look; throws <see cref="TimeoutException"/> otherwise.
    /// </summary>
    public Task<IReadOnlyList<AccessLogEntry>> WaitForAsync(AccessLog log, int mark, Func<IReadOnlyList<AccessLogEntry>, bool> done, TimeSpan timeout)
        => AccessLogWaiter.WaitForAsync(log, mark, done, timeout, Refresh);

    /// <summary>Parses one access log line of the <c>bed</c> format.</summary>
    public static bool TryParseLogLine(string line, out string method, out string path, out int status)
    {
        method = path = string.Empty;
        status = 0;
        try
        {
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            method = root.GetProperty("method").GetString() ?? string.Empty;
            path = root.GetProperty("uri").GetString() ?? string.Empty;
            status = root.GetProperty("status").GetInt32();
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _tailLoop;
        }
        catch (OperationCanceledException)
        {
        }

        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_tailLock)
        {
            foreach (var tail in _tails)
            {
                tail.Dispose();
            }
        }

        _stop.Dispose();
        _prefix.Dispose();
    }

    private static void Validate(NginxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.StaticRoot is null && options.LoadBalancers.Count == 0)
        {
            throw new ArgumentException("nothing to serve: set StaticRoot or add load balancers", nameof(options));
        }

        if (options.StaticRoot is { } root && !Directory.Exists(root))
        {
            throw new ArgumentException("StaticRoot does not exist: " + root, nameof(options));
        }

        if (options.LoadBalancers.Count > 0 && options.ArcheioPort is <= 0 or > 65535)
        {
            throw new ArgumentException("load balancers need ArcheioPort", nameof(options));
        }

        var locations = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (location, clientIp) in options.LoadBalancers)
        {
            if (string.IsNullOrWhiteSpace(location) || !locations.Add(location))
            {
                throw new ArgumentException($"load balancer location names must be unique and not blank: '{location}'", nameof(options));
            }

            if (!IPAddress.TryParse(clientIp, out _))
            {
                throw new ArgumentException($"client IP of '{location}' is not an IP address: '{clientIp}'", nameof(options));
            }
        }
    }

    private static NginxProcess Launch(NginxOptions options)
    {
        var prefix = new TempDirectory("nginx");
        Directory.CreateDirectory(Path.Combine(prefix.Path, "logs"));
        Directory.CreateDirectory(Path.Combine(prefix.Path, "temp"));
        var ports = LoopbackPorts.Free(options.LoadBalancers.Count + (options.StaticRoot is null ? 0 : 1));
        int? staticPort = options.StaticRoot is null ? null : ports[^1];
        var loadBalancers = options.LoadBalancers
            .Select((lb, i) => (Port: ports[i], lb.ClientIp, Log: LogPath(prefix, LoadBalancerLogName(i))))
            .ToList();
        var configuration = NginxConfig.Render(
            options,
            prefix.Path,
            staticPort is { } sp ? (sp, LogPath(prefix, "static")) : null,
            loadBalancers);
        var configPath = Path.Combine(prefix.Path, "nginx.conf");
        File.WriteAllText(configPath, configuration);

        var info = new ProcessStartInfo(Tools.Find("nginx"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = prefix.Path,
        };
        foreach (var argument in new[] { "-p", prefix.Path + "/", "-c", configPath, "-e", Path.Combine(prefix.Path, "error.log"), "-g", "daemon off;" })
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info };
        var loadBalancerPorts = new ReadOnlyDictionary<string, int>(
            options.LoadBalancers.Select((lb, i) => (lb.Location, Port: ports[i])).ToDictionary(x => x.Location, x => x.Port, StringComparer.Ordinal));
        var nginx = new NginxProcess(process, prefix, configuration, staticPort, loadBalancerPorts);
        process.OutputDataReceived += (_, e) => nginx.OnStderr(e.Data);
        process.ErrorDataReceived += (_, e) => nginx.OnStderr(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return nginx;
    }

    private static string LoadBalancerLogName(int index) => "lb-" + index.ToString(CultureInfo.InvariantCulture);

    private static string LogPath(TempDirectory prefix, string name) => prefix.Combine("logs", name + ".access.log");

    private static string ReadErrorLog(TempDirectory prefix, IEnumerable<string> stderr)
    {
        var path = prefix.Combine("error.log");
        string text;
        try
        {
            text = File.Exists(path) ? File.ReadAllText(path) : "(no error log)";
        }
        catch (IOException e)
        {
            text = "(error log unreadable: " + e.Message + ")";
        }

        var printed = string.Join('\n', stderr);
        return printed.Length == 0 ? text : text + "\nstderr:\n" + printed;
    }

    private void Follow(string path, AccessLog log)
        => _tails.Add(new LogTail(path, line =>
        {
            if (TryParseLogLine(line, out var method, out var uri, out var status))
            {
                log.Add(method, uri, status);
            }
            else
            {
                _unparsed.Enqueue(line);
            }
        }));

    private void OnStderr(string? line)
    {
        if (line is not null)
        {
            _stderr.Enqueue(line);
        }
    }

    private async Task TailAsync()
    {
        using var timer = new PeriodicTimer(TailInterval);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            try
            {
                Refresh();
            }
            catch (IOException)
            {
                // Transient; WaitForAsync reads the files itself and would surface a lasting failure.
            }
        }
    }
}
