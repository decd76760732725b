namespace Archeio.TestBed;

/// <summary>
/// Finds the test bed's programs: on PATH (Debian packages) or in the repository's <c>.tools</c>
/// folder (npm packages that scripts/test.sh installs), except the few pinned to one installation.
/// A missing one fails with its name and how to install it, instead of an obscure process error.
/// </summary>
internal static class Tools
{
    /// <summary>
    /// Programs found at one path only, never on PATH: Debian's docker.io CLI and daemon, which go together
    /// (dockerd 20.10). Another <c>docker</c> may come first on PATH (e.g. a newer CLI in /usr/local/bin, which
    /// other machines lack): found on PATH, the bed would drive its dockerd with whichever CLI a machine has first.
    /// </summary>
    private static readonly Dictionary<string, string> Pinned = new(StringComparer.Ordinal)
    {
        ["docker"] = "/usr/bin/docker",
        ["dockerd"] = "/usr/sbin/dockerd",
    };

    /// <summary>Where scripts/test.sh installs npm tools: <c>&lt;repo&gt;/.tools/node_modules/.bin</c>.</summary>
    public static string NpmBin => Path.Combine(RepositoryRoot, ".tools", "node_modules", ".bin");

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>Throws naming every missing tool at once.</summary>
    public static void Require(params string[] names)
    {
        var missing = names.Where(n => TryFind(n) is null).Select(n => Pinned.TryGetValue(n, out var path) ? path : n).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The end-to-end test bed needs {string.Join(", ", missing)}, not found on PATH or in {NpmBin}. "
                + "Run scripts/test.sh, which installs them (apt-get install docker-registry skopeo podman containerd docker.io nginx umoci redis-server; npm install s3rver@3 in .tools).");
        }
    }

    public static string Find(string name) => TryFind(name) ?? throw new FileNotFoundException($"{name} is not installed (see scripts/test.sh)");

    private static string? TryFind(string name)
    {
        if (Path.IsPathRooted(name))
        {
            return File.Exists(name) ? name : null;
        }

        if (Pinned.TryGetValue(name, out var pinned))
        {
            return File.Exists(pinned) ? pinned : null;
        }

        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/sbin", "/sbin", NpmBin]);
        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Archeio.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException("repository root (Archeio.slnx) not found above " + AppContext.BaseDirectory);
    }
}
