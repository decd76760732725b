using System.CommandLine;
using Geranos.Destination;

namespace Geranos.Cli;

/// <summary>
/// The destination options <c>sync</c> and <c>verify</c> share: <c>--dest s3://bucket[/prefix]</c> (repeatable) and
/// where the S3 API is (<c>--s3-endpoint</c>, <c>--s3-region</c>, <c>--s3-path-style</c>). Credentials come from the
/// standard AWS chain (environment, profiles, instance roles), never from the command line, where other users of
/// the machine could read them.
/// </summary>
internal sealed class DestinationOptions
{
    public Option<string[]> Dest { get; } = new("--dest")
    {
        Description = "A bucket to mirror into, s3://<bucket>[/<key prefix>]; repeat for several",
        Required = true,
        HelpName = "s3://bucket[/prefix]",
    };

    public Option<Uri?> Endpoint { get; } = new("--s3-endpoint")
    {
        Description = "The S3 API endpoint of an S3-compatible store (R2, MinIO, GCS); default AWS S3",
        HelpName = "URL",
        CustomParser = OptionParsers.HttpUrl,
    };

    public Option<string?> Region { get; } = new("--s3-region")
    {
        Description = "The region to sign for (AWS: the bucket's region; R2: auto); default from the AWS chain, or us-east-1 with --s3-endpoint",
    };

    public Option<bool> PathStyle { get; } = new("--s3-path-style")
    {
        Description = "Address buckets as <endpoint>/<bucket> instead of <bucket>.<endpoint> (MinIO, most self-hosted stores)",
    };

    public DestinationOptions()
    {
        Dest.Validators.Add(result =>
        {
            foreach (var text in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!DestinationUrl.TryParse(text, out _, out var error))
                {
                    result.AddError($"--dest {text}: {error}");
                }
            }
        });
    }

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Dest);
        command.Options.Add(Endpoint);
        command.Options.Add(Region);
        command.Options.Add(PathStyle);
    }

    /// <summary>The destinations, already validated by the parser, each once.</summary>
    public IReadOnlyList<DestinationUrl> Destinations(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var urls = new List<DestinationUrl>();
        foreach (var text in parse.GetValue(Dest) ?? [])
        {
            if (DestinationUrl.TryParse(text, out var url, out _) && !urls.Contains(url))
            {
                urls.Add(url);
            }
        }

        return urls;
    }

    public S3Settings Settings(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new S3Settings(parse.GetValue(Endpoint), parse.GetValue(Region), parse.GetValue(PathStyle));
    }
}
