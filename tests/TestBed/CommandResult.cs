namespace Archeio.TestBed;

/// <summary>The outcome of one command line run.</summary>
internal sealed record CommandResult(string Command, int ExitCode, string StandardOutput, string StandardError, TimeSpan Elapsed)
{
    public CommandResult EnsureSuccess()
        => ExitCode == 0
            ? this
            : throw new InvalidOperationException($"`{Command}` exited with {ExitCode} after {Elapsed.TotalSeconds:F1} s\nstdout:\n{StandardOutput}\nstderr:\n{StandardError}");
}
