using System.Diagnostics;

namespace Archeio.Tests.TestBed;

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
}
