using System.Diagnostics;

namespace Archeio.TestBed;

/// <summary>Runs command-line tools of the test bed to completion, with a bounded time.</summary>
internal static class Commands
{
    public static async Task<CommandResult> RunAsync(
        string file,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(Tools.Find(file))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var command = file + " " + string.Join(' ', info.ArgumentList);
        var started = TimeProvider.System.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start " + command);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`{command}` did not finish within {timeout}\nstdout:\n{await stdout}\nstderr:\n{await stderr}");
        }

        return new CommandResult(command, process.ExitCode, await stdout, await stderr, TimeProvider.System.GetElapsedTime(started));
    }
}
