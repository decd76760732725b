using Geranos.Cli;
using Geranos.Destination;

namespace Geranos.Tests.Cli;

/// <summary>Runs the command line in-process with captured output (not a terminal) and the given S3 keys.</summary>
internal static class GeranosRun
{
    public static async Task<(int Exit, string Out, string Error)> RunAsync(IReadOnlyList<string> args, string? accessKey = null, string? secretKey = null, string input = "", CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var services = new GeranosServices(
            new GeranosConsole(reader, output, error, Interactive: false),
            settings => S3ClientFactory.Create(settings with { AccessKey = accessKey, SecretKey = secretKey }),
            TimeProvider.System);
        var exit = await GeranosCommandLine.RunAsync(args, services, cancellationToken);
        return (exit, output.ToString(), error.ToString());
    }
}
