using System.Collections.Concurrent;
using System.Diagnostics;

namespace Archeio.TestBed;

/// <summary>
/// The real <c>geranos</c> command as a separate process (<c>dotnet geranos.dll …</c>), for what only a process
/// shows: being killed with SIGKILL mid-run, a password on standard input, exit codes. S3 credentials come from
/// the environment, the standard AWS chain. Output is collected line by line so a test can wait for a line.
/// </summary>
internal sealed class GeranosProcess : IAsyncDisposable
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private GeranosProcess(Process process) => _process = process;

    public string StandardOutput => string.Join('\n', _stdout);

    public string StandardError => string.Join('\n', _stderr);

    public static GeranosProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? standardInput = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(BuildOutput.Find("Geranos", "geranos.dll"));
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // No instance-metadata probing (there is no EC2 here), and no profile from the machine.
        info.Environment["AWS_EC2_METADATA_DISABLED"] = "true";
        info.Environment["AWS_CONFIG_FILE"] = "/nonexistent";
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/nonexistent";
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = new Process { StartInfo = info };
        var geranos = new GeranosProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                geranos._stdout.Enqueue(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                geranos._stderr.Enqueue(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Write(standardInput ?? "");
        process.StandardInput.Close();
        return geranos;
    }

    /// <summary>Runs to the end (bounded) and returns the exit code.</summary>
    public static async Task<(int Exit, string Out, string Error)> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string? standardInput = null)
    {
        await using var geranos = Start(arguments, environment, standardInput);
        var exit = await geranos.WaitForExitAsync();
        return (exit, geranos.StandardOutput, geranos.StandardError);
    }

    public async Task<int> WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(RunTimeout);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"geranos did not finish within {RunTimeout}\nstderr:\n{StandardError}");
        }

        // The parameterless wait also drains the redirected output.
        await _process.WaitForExitAsync();
        return _process.ExitCode;
    }

    /// <summary>Sends a signal the process may handle (INT as Ctrl-C does, TERM as a supervisor does).</summary>
    public void Signal(string signal) => Processes.Signal(_process, signal);

    /// <summary>SIGKILL: no handler runs, nothing is cleaned up (the harshest interruption).</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Processes.StopAsync(_process);
    }
}
