namespace Archeio.TestBed;

/// <summary>A directory under the system temp folder for one test bed part, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix)
    {
        Path = Directory.CreateTempSubdirectory("archeio-" + prefix + "-").FullName;
        // Readable by other users: nginx workers and registries may not run as the test's user.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    /// <summary>Deletes the subdirectories whose names match <paramref name="pattern"/> (e.g. one per pull).</summary>
    public void DeleteDirectories(string pattern)
    {
        foreach (var directory in Directory.EnumerateDirectories(Path, pattern))
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that has not let go yet (e.g. a mount): leave it to the OS's temp cleanup.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
