namespace Archeio.Hosting;

/// <summary>The command line: the server (default), <c>explain</c> or <c>ranges fetch</c>, and their few options.</summary>
/// <param name="ConfigFile">The configuration file given with <c>--config</c>, if any.</param>
/// <param name="ShowHelp">Show the usage and exit.</param>
/// <param name="Error">Why the command line is invalid, if it is.</param>
internal sealed record CommandLine(string? ConfigFile, bool ShowHelp, string? Error)
{
    public const string Usage = """
        Usage: archeio [--config <file>]
               archeio explain <client ip> [<path>] [--config <file>] [--check]
               archeio ranges fetch --out <dir> [--config <file>]

          --config <file>   JSON configuration to use instead of the embedded registry.k8s.io profile
                            (also ARCHEIO_CONFIG). Environment variables override it; see docs/configuration.md.
          explain           Show how a request from <client ip> would be routed: the client's cloud, region,
                            country, continent and ASN, the rule that fits and why, the candidates in order,
                            and the redirect. <path> defaults to a blob request. Offline, unless --check.
          --check           With explain: fetch URL range sources and HEAD the candidate mirrors, then show
                            the final redirect.
          ranges fetch      Fetch and parse every configured URL range source (the server's settings and
                            parsers) and write them, with their parsed snapshots, to <dir>: a start with
                            RangesRefresh:BakedDirectory=<dir> knows every cloud without the network. All
                            or nothing: any source that fails exits 1, names it, and writes nothing.
          --out <dir>       With ranges fetch: the directory to write (replaced whole; created if missing).
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

    /// <summary>True for <c>archeio ranges fetch …</c>.</summary>
    public bool RangesFetch { get; init; }

    /// <summary>The directory given to <c>ranges fetch --out</c>.</summary>
    public string? OutDirectory { get; init; }

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? config = null;
        var explain = args.Count > 0 && args[0] == "explain";
        var ranges = args.Count > 0 && args[0] == "ranges";
        if (ranges && (args.Count < 2 || args[1] != "fetch"))
        {
            return args.Count > 1 && args[1] is "-h" or "--help"
                ? new CommandLine(null, true, null)
                : new CommandLine(null, false, "ranges needs a subcommand: ranges fetch --out <dir>");
        }

        var positional = new List<string>();
        var check = false;
        string? outDirectory = null;
        for (var i = explain ? 1 : ranges ? 2 : 0; i < args.Count; i++)
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
            else if (ranges && arg == "--out" && i + 1 < args.Count)
            {
                outDirectory = args[++i];
            }
            else if (ranges && arg.StartsWith("--out=", StringComparison.Ordinal))
            {
                outDirectory = arg["--out=".Length..];
            }
            else if (explain && arg == "--check")
            {
                check = true;
            }
            else if (explain && !arg.StartsWith("--", StringComparison.Ordinal) && positional.Count < 2)
            {
                positional.Add(arg);
            }
            else if (!explain && !ranges && HostSettings.Any(h => arg.StartsWith(h, StringComparison.OrdinalIgnoreCase)))
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

        if (ranges && string.IsNullOrWhiteSpace(outDirectory))
        {
            return new CommandLine(null, false, "ranges fetch needs --out <dir>");
        }

        return new CommandLine(config, false, null)
        {
            RangesFetch = ranges,
            OutDirectory = outDirectory,
            Explain = explain,
            ExplainAddress = explain ? positional[0] : null,
            ExplainPath = positional.Count > 1 ? positional[1] : null,
            Check = check,
        };
    }
}
