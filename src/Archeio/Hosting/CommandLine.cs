namespace Archeio.Hosting;

/// <summary>The server's few command-line options.</summary>
internal sealed record CommandLine(string? ConfigFile, bool ShowHelp, string? Error)
{
    public const string Usage = """
        Usage: archeio [--config <file>]

          --config <file>   JSON configuration to use instead of the embedded registry.k8s.io profile
                            (also ARCHEIO_CONFIG). Environment variables override it; see docs/configuration.md.
          -h, --help        Show this help.
        """;

    private static readonly string[] HostSettings = ["--contentRoot=", "--environment=", "--applicationName="];

    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        string? config = null;
        for (var i = 0; i < args.Count; i++)
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
            else if (HostSettings.Any(h => arg.StartsWith(h, StringComparison.OrdinalIgnoreCase)))
            {
                // The generic host's own settings (the test host passes these); not ours to read.
            }
            else
            {
                return new CommandLine(null, false, $"unknown or incomplete argument '{arg}'");
            }
        }

        return new CommandLine(config, false, null);
    }
}
