using System.Diagnostics;

namespace Archeio.TestBed;

/// <summary>Stopping the long-running processes of the test bed.</summary>
internal static class Processes
{
    /// <summary>Kills the process and its children, waits for them, and disposes it.</summary>
    public static async Task StopAsync(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped.
        }

        process.Dispose();
    }

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>INT</c>, …) with kill(1), as a supervisor or a terminal would.</summary>
    public static void Signal(Process process, string signal)
    {
        ArgumentNullException.ThrowIfNull(process);
        using var kill = Process.Start("kill", ["-" + signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
