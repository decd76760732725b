using System.CommandLine;
using Archeio.Oci.Auth;
using Geranos.Destination;
using Geranos.Source;
using Geranos.Source.Http;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>
/// <c>geranos sync</c>: copies the blobs of a source registry's repositories into S3-compatible buckets
/// (the contract in docs/geranos.md; options may be added, not renamed).
/// </summary>
internal sealed class SyncCommand
{
    private const int DefaultParallel = 4;
    private const int DefaultPartSizeMiB = VerifiedBlobCopier.DefaultPartSize >> 20;

    /// <summary>A blob body that sends less than 64 KiB in this long is abandoned (and the copy retried, then reported).</summary>
    private const double DefaultSourceTimeoutSeconds = 60;

    /// <summary>A day: longer is no timeout at all.</summary>
    private const double MaxSourceTimeoutSeconds = 86_400;

    private readonly GeranosServices _services;
    private readonly DestinationOptions _destination = new();

    private readonly Option<Uri> _source = new("--source")
    {
        Description = "The source registry, http(s)://host[:port][/<repository prefix>]",
        Required = true,
        HelpName = "URL",
        CustomParser = OptionParsers.HttpUrl,
    };

    private readonly Option<string[]> _repository = new("--repository")
    {
        Description = "A repository below the source's prefix; repeat for several (default: every repository of the catalog)",
        HelpName = "name",
    };

    private readonly Option<FileInfo?> _repositoriesFile = new("--repositories-file")
    {
        Description = "A file naming repositories, one per line (blank lines and # comments ignored)",
        HelpName = "file",
    };

    private readonly Option<int> _parallel = new("--parallel")
    {
        Description = "Manifests, and separately blobs, worked on at once",
        DefaultValueFactory = _ => DefaultParallel,
        CustomParser = OptionParsers.Int(1, 256, DefaultParallel),
        HelpName = "n",
    };

    private readonly Option<double?> _sourceRps = new("--source-rps")
    {
        Description = "At most this many requests per second to the source registry (default: no limit)",
        CustomParser = OptionParsers.Positive,
        HelpName = "n",
    };

    private readonly Option<string[]> _include = new("--include")
    {
        Description = "Take only tags matching this glob (* and ?); repeat for several",
        HelpName = "glob",
    };

    private readonly Option<string[]> _exclude = new("--exclude")
    {
        Description = "Leave out tags matching this glob; repeat for several",
        HelpName = "glob",
    };

    private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Plan only: count what would be copied, write nothing" };

    private readonly Option<bool> _json = new("--json") { Description = "Print the summary as JSON on standard output" };

    private readonly Option<string?> _username = new("--source-username") { Description = "User name for the source registry (basic or token auth)" };

    private readonly Option<bool> _passwordStdin = new("--source-password-stdin") { Description = "Read the source registry's password (or token) from the first line of standard input" };

    private readonly Option<int> _partSizeMiB = new("--part-size-mib")
    {
        Description = "Blobs larger than this are uploaded in parts of this size (5 to 512)",
        DefaultValueFactory = _ => DefaultPartSizeMiB,
        CustomParser = OptionParsers.Int(5, 512, DefaultPartSizeMiB),
        HelpName = "MiB",
    };

    private readonly Option<double> _sourceTimeout = new("--source-timeout")
    {
        Description = "Seconds a blob download may wait for each 64 KiB before it is abandoned as stalled (retried, then reported)",
        DefaultValueFactory = _ => DefaultSourceTimeoutSeconds,
        CustomParser = OptionParsers.Seconds(MaxSourceTimeoutSeconds, DefaultSourceTimeoutSeconds),
        HelpName = "seconds",
    };

    public SyncCommand(GeranosServices services)
    {
        _services = services;
        _repositoriesFile.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<FileInfo?>() is { } file && !file.Exists)
            {
                result.AddError($"--repositories-file {file}: no such file");
            }
        });

        _passwordStdin.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<bool>() && result.Parent is System.CommandLine.Parsing.CommandResult command && string.IsNullOrEmpty(command.GetValue(_username)))
            {
                result.AddError("--source-password-stdin needs --source-username");
            }
        });
        Command = new Command("sync", "Copy the blobs of a registry's repositories into S3-compatible buckets, verified, and record what is complete");
        Command.Options.Add(_source);
        Command.Options.Add(_repository);
        Command.Options.Add(_repositoriesFile);
        _destination.AddTo(Command);
        foreach (var option in new Option[] { _parallel, _sourceRps, _include, _exclude, _dryRun, _json, _username, _passwordStdin, _partSizeMiB, _sourceTimeout })
        {
            Command.Options.Add(option);
        }

        Command.SetAction(RunAsync);
    }

    public Command Command { get; }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var console = _services.Console;
        var json = parse.GetValue(_json);
        var sourceUrl = parse.GetRequiredValue(_source);
        var repositories = new List<string>(parse.GetValue(_repository) ?? []);
        if (parse.GetValue(_repositoriesFile) is { } file)
        {
            repositories.AddRange(RepositoriesFile.Read(await File.ReadAllLinesAsync(file.FullName, cancellationToken).ConfigureAwait(false)));
        }

        RegistryCredentials? credentials = null;
        if (parse.GetValue(_username) is { Length: > 0 } username)
        {
            var password = parse.GetValue(_passwordStdin) ? await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false) ?? "" : "";
            credentials = new RegistryCredentials(username, password);
        }

        var plan = new SyncPlan(
            repositories,
            new TagFilter(parse.GetValue(_include) ?? [], parse.GetValue(_exclude) ?? []),
            parse.GetValue(_parallel),
            parse.GetValue(_dryRun),
            SyncPlan.DefaultStaleUploadAge);

        var plain = console.Interactive ? null : new PlainSyncReporter(console.Error, _services.Time);
        ISyncReporter reporter = plain is null ? new QuietSyncReporter() : plain;
        using var limiter = RateLimitingHandler.ForRequestsPerSecond(parse.GetValue(_sourceRps));
        using var transport = SourceHttp.Create(limiter);
        var s3 = _services.S3(_destination.Settings(parse));
        try
        {
            var mirrors = _destination.Destinations(parse).Select(url => new S3Mirror(s3, url)).ToList();
            using var pipeline = new RegistryPipeline(transport, credentials, time: _services.Time, attemptTimeout: SourceHttp.AttemptTimeout);
            var source = new RegistryClient(sourceUrl, pipeline, bodyTimeout: TimeSpan.FromSeconds(parse.GetValue(_sourceTimeout)));
            var runner = new SyncRunner(source, mirrors, new VerifiedBlobCopier(parse.GetValue(_partSizeMiB) << 20), reporter, _services.Time);
            var summary = await SyncProgressDisplay.WatchAsync(runner.RunAsync(plan, sourceUrl, cancellationToken), runner.Counters, console, plain, _services.Time).ConfigureAwait(false);
            if (reporter is QuietSyncReporter quiet)
            {
                // What the live display had no room for: listings, aborted uploads, retries.
                foreach (var message in quiet.Messages)
                {
                    await console.Error.WriteLineAsync(message).ConfigureAwait(false);
                }
            }

            SummaryWriter.Write(summary, console, json);
            return summary.ExitCode;
        }
        catch (SyncUsageException e)
        {
            await console.Error.WriteLineAsync("geranos sync: " + e.Message).ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("geranos sync: interrupted; run it again to finish (nothing partial is visible)").ConfigureAwait(false);
            return ExitCodes.PartialFailure;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // A destination that cannot be listed, a source that cannot be reached: nothing could start.
            await console.Error.WriteLineAsync("geranos sync: " + e.Message).ConfigureAwait(false);
            return ExitCodes.PartialFailure;
        }
        finally
        {
            s3.Dispose();
        }
    }
}
