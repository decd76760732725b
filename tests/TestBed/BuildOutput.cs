namespace Archeio.TestBed;

/// <summary>Finds a project's build output, built with the tests (same configuration and framework).</summary>
internal static class BuildOutput
{
    /// <summary><c>src/&lt;project&gt;/bin/&lt;configuration&gt;/&lt;framework&gt;/&lt;file&gt;</c>, searched upwards from the test directory.</summary>
    public static string Find(string project, string file)
    {
        var testDirectory = new DirectoryInfo(AppContext.BaseDirectory);
        var framework = testDirectory.Name;
        var configuration = testDirectory.Parent!.Name;
        for (var directory = testDirectory; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "src", project, "bin", configuration, framework, file);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{file} ({configuration}/{framework}) not found above {testDirectory.FullName}");
    }
}
