namespace Geranos;

/// <summary>
/// Geranos mirrors repositories from an OCI registry into object storage for Archeio to redirect to.
/// This step has only the source side (<see cref="Source.RegistryClient"/>, <see cref="Source.ManifestWalker"/>);
/// the command line comes with the S3 side. The namespace keeps this <c>Program</c> apart from Archeio's
/// global one, which the tests' WebApplicationFactory names.
/// </summary>
internal static class Program
{
    public static async Task<int> Main()
    {
        await Console.Error.WriteLineAsync("geranos: the mirror command line is not implemented yet").ConfigureAwait(false);
        return 2;
    }
}
