namespace Archeio.Tests.Ranges;

/// <summary>
/// Locates the shared test data that lives beside the repository (<c>&lt;X&gt;/shared/data</c> next to
/// <c>&lt;X&gt;/&lt;repo&gt;</c>) rather than in it: the real range files are large and published
/// by the providers, so they are read in place and never copied into the repository.
/// </summary>
internal static class SharedData
{
    private static readonly string[] _cloudRangesRelative = ["shared", "data", "cloud-ranges"];

    /// <summary>
    /// The <c>shared/data/cloud-ranges</c> directory. Throws when it cannot be found: these tests
    /// guard the real data, so a missing directory must fail the run, not skip silently.
    /// </summary>
    public static string CloudRangesDirectory { get => field ??= Locate(); }

    public static string CloudRangesFile(string name) => Path.Combine(CloudRangesDirectory, name);

    private static string Locate()
    {
        // The test assembly runs from <repo>/tests/Archeio.Tests/bin/<config>/<tfm>/; walking up
        // reaches the repository root and then its parent, where shared/ sits beside the repository.
        var relative = Path.Combine(_cloudRangesRelative);
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, relative);
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"Could not find '{relative}' in any parent of '{AppContext.BaseDirectory}'. The real cloud range " +
            "files must be in ../shared/data/cloud-ranges relative to the repository root.");
    }
}
