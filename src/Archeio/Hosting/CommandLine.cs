namespace Archeio.Hosting;

/// <summary>The command line: the server (default) or <c>explain</c>, and their few options.</summary>
/// <param name="ConfigFile">The configuration file given with <c>--config</c>, if any.</param>
/// <param name="ShowHelp">Show the usage and exit.</param>
/// <param name="Error">Why the command line is invalid, if it is.</param>
internal sealed record CommandLine(string? ConfigFile, bool ShowHelp, string? Error)
{
    public const string Usage = """
        Usage: archeio [--config <file>]
               archeio explain <client ip> [<path>] [--config <file>] [--check]

          --config <file>   JSON configuration to use instead of the embedded registry.k8s.io profile
                            (also ARCHEIO_CONFIG). Environment variables override it; see docs/configuration.md.
          explain           Show how a request from <client ip> would be routed: the client's cloud, region,
                            country, continent and ASN, the rule that fits and why, the candidates in order,
                            and the redirect. <path> defaults to a blob request. Offline, unless --check.
          --check           With explain: fetch URL range sources and HEAD the candidate mirrors, then show
                            the final redirect.
          -h, --help        Show this help.
        """;

    private static readonly string[] HostSettings = ["--contentRoot=", "--environment=", "--applicationName="];

    /// <summary>True for <c>archeio explain …</c>.</summary>
    public bool Explain { get; init; }

    /// <summary>The client address given to <c>explain</c>.</summary>
    public string? ExplainAddress { get; init; }

    /// <summary>The request path given to <c>explain</c>, if any.</summary>
    public string? ExplainPath { get; init; }

    /// <summary><c>explain --check</c>: go online to fetch ranges and check mirrors.</summary>
    public bool Check { get; init; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? config = null;
        var explain = args.Count > 0 && args[0] == "explain";
        var positional = new List<string>();
        var check = false;
        for (var i = explain ? 1 : 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is "-h" or "--help")
            {
                return new CommandLine(null, true, null);
            }

            if (arg == "--config" && i + 1 < args.Count)
            {
                config = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                config = arg["--config=".Length..];
            }
            else if (explain && arg == "--check")
            {
                check = true;
            }
            else if (explain && !arg.StartsWith("--", StringComparison.Ordinal) && positional.Count < 2)
            {
                positional.Add(arg);
            }
            else if (!explain && HostSettings.Any(h => arg.StartsWith(h, StringComparison.OrdinalIgnoreCase)))
            {
                // The generic host's own settings (the test host passes these); not ours to read.
            }
            else
            {
                return new CommandLine(null, false, $"unknown or incomplete argument '{arg}'");
            }
        }

        if (explain && positional.Count == 0)
        {
            return new CommandLine(null, false, "explain needs a client IP address");
        }

        return new CommandLine(config, false, null)
        {
            Explain = explain,
            ExplainAddress = explain ? positional[0] : null,
            ExplainPath = positional.Count > 1 ? positional[1] : null,
            Check = check,
        };
    }
}
