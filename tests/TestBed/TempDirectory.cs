namespace Archeio.TestBed;

/// <summary>A directory under the system temp folder for one test bed part, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix)
        : this(Directory.CreateTempSubdirectory("archeio-" + prefix + "-"))
    {
    }

    private TempDirectory(DirectoryInfo directory)
    {
        Path = directory.FullName;
        // Readable by other users: nginx workers and registries may not run as the test's user.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }
    }

    public string Path { get; }

    /// <summary>
    /// A directory right under <c>/tmp</c>, whatever TMPDIR says: for daemons that put unix sockets in it,
    /// whose paths must stay under the 108-byte <c>sun_path</c> limit.
    /// </summary>
    public static TempDirectory UnderTmp(string prefix)
    {
        while (true)
        {
            var path = System.IO.Path.Combine("/tmp", "archeio-" + prefix + "-" + System.IO.Path.GetRandomFileName().Replace(".", "", StringComparison.Ordinal));
            if (!Directory.Exists(path) && !File.Exists(path))
            {
                return new TempDirectory(Directory.CreateDirectory(path));
            }
        }
    }

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
