using System.CommandLine;
using Geranos.Destination;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>
/// <c>geranos verify</c>: checks that every blob the recorded manifests need is present with the right size,
/// that the inventory names only present blobs, and with <c>--deep</c> that every object's content hashes to
/// its key. Exit 1 with the list of bad keys when anything is wrong.
/// </summary>
internal sealed class VerifyCommand
{
    private readonly GeranosServices _services;
    private readonly DestinationOptions _destination = new();
    private readonly Option<bool> _deep = new("--deep") { Description = "Also read every blob and check that its content hashes to its digest" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the result as JSON on standard output" };
    private readonly Option<int> _parallel = new("--parallel")
    {
        Description = "Objects hashed at once with --deep",
        DefaultValueFactory = _ => 4,
        CustomParser = OptionParsers.Int(1, 256, 4),
        HelpName = "n",
    };

    public VerifyCommand(GeranosServices services)
    {
        _services = services;
        Command = new Command("verify", "Check that a mirror holds what its recorded manifests need, and with --deep that every object matches its digest");
        _destination.AddTo(Command);
        Command.Options.Add(_deep);
        Command.Options.Add(_json);
        Command.Options.Add(_parallel);
        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var console = _services.Console;
        var deep = parse.GetValue(_deep);
        var started = _services.Time.GetTimestamp();
        var s3 = _services.S3(_destination.Settings(parse));
        try
        {
            var verifier = new MirrorVerifier();
            var reports = new List<VerifyReport>();
            foreach (var url in _destination.Destinations(parse))
            {
                await console.Error.WriteLineAsync($"verifying {url}{(deep ? " (deep)" : "")}").ConfigureAwait(false);
                reports.Add(await verifier.VerifyAsync(new S3Mirror(s3, url), deep, parse.GetValue(_parallel), null, cancellationToken).ConfigureAwait(false));
            }

            var summary = new VerifySummary(deep, reports, Math.Round(_services.Time.GetElapsedTime(started).TotalSeconds, 3));
            SummaryWriter.Write(summary, console, parse.GetValue(_json));
            return summary.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("geranos verify: interrupted").ConfigureAwait(false);
            return ExitCodes.PartialFailure;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("geranos verify: " + e.Message).ConfigureAwait(false);
            return ExitCodes.PartialFailure;
        }
        finally
        {
            s3.Dispose();
        }
    }
}
