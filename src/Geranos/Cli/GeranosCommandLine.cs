using System.CommandLine;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>
/// Geranos's command line (System.CommandLine): <c>sync</c> and <c>verify</c>. Usage errors (unknown options,
/// bad values, missing required options) are all reported at once and exit 2, before anything is done.
/// </summary>
internal static class GeranosCommandLine
{
    /// <summary>Long enough for in-flight multipart uploads to be aborted after Ctrl-C or SIGTERM.</summary>
    private static readonly TimeSpan TerminationTimeout = TimeSpan.FromSeconds(15);

    public static RootCommand Build(GeranosServices services)
    {
        ArgumentNullException.ThrowIfNull(services);
        var root = new RootCommand("Geranos mirrors the content-addressed blobs of an OCI registry into S3-compatible object storage, for Archeio to redirect pulls to.");
        root.Subcommands.Add(new SyncCommand(services).Command);
        root.Subcommands.Add(new VerifyCommand(services).Command);
        return root;
    }

    public static async Task<int> RunAsync(IReadOnlyList<string> args, GeranosServices services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(services);
        var parse = Build(services).Parse(args);
        var invocation = new InvocationConfiguration
        {
            Output = services.Console.Out,
            Error = services.Console.Error,
            ProcessTerminationTimeout = TerminationTimeout,
        };
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await services.Console.Error.WriteLineAsync("geranos: " + error.Message).ConfigureAwait(false);
            }

            await services.Console.Error.WriteLineAsync("Run 'geranos --help' or 'geranos <command> --help' for usage.").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
    }
}
