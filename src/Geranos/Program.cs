using Geranos.Cli;

namespace Geranos;

/// <summary>
/// Geranos mirrors repositories from an OCI registry into object storage for Archeio to redirect to
/// (docs/geranos.md). The namespace keeps this <c>Program</c> apart from Archeio's global one, which the
/// tests' WebApplicationFactory names.
/// </summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => GeranosCommandLine.RunAsync(args, GeranosServices.Default);
}
