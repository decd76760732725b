namespace Geranos.Cli;

/// <summary>The <c>--repositories-file</c> format: one repository per line; blank lines and <c>#</c> comments are ignored.</summary>
internal static class RepositoriesFile
{
    public static IEnumerable<string> Read(IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        foreach (var line in lines)
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            var name = (hash >= 0 ? line[..hash] : line).Trim();
            if (name.Length > 0)
            {
                yield return name;
            }
        }
    }
}
