using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// A <c>redis-server</c> on a 127.0.0.1 port, in memory only (no RDB snapshots, no AOF), its working
/// directory a temp folder. It can be killed (<see cref="KillAsync"/>), frozen (<see cref="FreezeAsync"/>,
/// a Redis that holds connections open but answers nothing) and started again on the same port
/// (<see cref="RestartAsync"/>), to test a client's behaviour when Redis dies, hangs and comes back.
/// <see cref="CommandAsync"/> speaks RESP on its own socket, so tests can check what is stored
/// independently of the client under test.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private const int KeptOutputLines = 100;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(5);

    private readonly TempDirectory _directory = new("redis");
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    /// <summary>A StackExchange.Redis connection string for this server.</summary>
    public string ConnectionString => "127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>What redis-server printed lately, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts a server on a free port, or on <paramref name="port"/> when given.</summary>
    public static async Task<RedisProcess> StartAsync(int? port = null)
    {
        Tools.Require("redis-server");
        for (var attempt = 1; ; attempt++)
        {
            var redis = new RedisProcess(port ?? LoopbackPorts.Free());
            try
            {
                await redis.LaunchAsync();
                return redis;
            }
            catch (InvalidOperationException) when (port is null && attempt < 3 && redis.Output.Contains("Address already in use", StringComparison.Ordinal))
            {
                // Another process took the free port first: try another.
                await redis.DisposeAsync();
            }
            catch
            {
                await redis.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Kills the server (SIGKILL): its clients see their connections reset, as when Redis crashes.</summary>
    public async Task KillAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await Processes.StopAsync(process);
        }
    }

    /// <summary>Starts the server again on the same port (killing it first if it runs); its data is gone.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await LaunchAsync();
    }

    /// <summary>Stops the server (SIGSTOP): connections stay open but nothing is answered until <see cref="ThawAsync"/>.</summary>
    public Task FreezeAsync() => SignalAsync("-STOP");

    public Task ThawAsync() => SignalAsync("-CONT");

    /// <summary>
    /// Sends one command on a new connection and returns the reply as text: simple strings, errors
    /// (prefixed <c>-</c>), integers and bulk strings; null for a nil reply.
    /// </summary>
    public async Task<string?> CommandAsync(params string[] command)
    {
        ArgumentNullException.ThrowIfNull(command);
        using var cancel = new CancellationTokenSource(CommandTimeout);
        using var client = new TcpClient(AddressFamily.InterNetwork);
        await client.ConnectAsync(IPAddress.Loopback, Port, cancel.Token);
        await using var stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{command.Length}\r\n");
        foreach (var part in command)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        await stream.WriteAsync(Encoding.UTF8.GetBytes(request.ToString()), cancel.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var line = await reader.ReadLineAsync(cancel.Token) ?? throw new IOException("Redis closed the connection");
        switch (line[0])
        {
            case '+':
            case ':':
                return line[1..];
            case '-':
                return line;
            case '$':
                var length = int.Parse(line.AsSpan(1), CultureInfo.InvariantCulture);
                return length < 0 ? null : await reader.ReadLineAsync(cancel.Token);
            default:
                throw new InvalidDataException("unexpected reply: " + line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            // A frozen server must be able to die: SIGKILL works on stopped processes too.
            _process = null;
            await Processes.StopAsync(process);
        }

        _directory.Dispose();
    }

    private async Task LaunchAsync()
    {
        var info = new ProcessStartInfo(Tools.Find("redis-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory.Path,
        };
        foreach (var argument in new[]
        {
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty,
            "--appendonly", "no", "--protected-mode", "no", "--dir", _directory.Path,
        })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start redis-server");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(process);
    }

    /// <summary>Polls <c>PING</c> every 25 ms, failing when the process exits or after <see cref="StartTimeout"/>.</summary>
    private async Task WaitUntilReadyAsync(Process process)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited with {process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                if (await CommandAsync("PING") == "PONG")
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
            }

            await Task.Delay(25);
        }

        throw new InvalidOperationException($"redis-server on port {Port} did not answer PING within {StartTimeout}:\n{Output}");
    }

    private async Task SignalAsync(string signal)
    {
        var process = _process ?? throw new InvalidOperationException("redis-server is not running");
        (await Commands.RunAsync("kill", [signal, process.Id.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(5))).EnsureSuccess();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptOutputLines)
        {
            _output.TryDequeue(out _);
        }
    }
}
