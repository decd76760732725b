using System.Text;
using System.Text.RegularExpressions;
using Archeio.TestBed;

namespace Archeio.Tests.Deploy;

/// <summary>
/// Replays a stage's file-system steps without a container engine: the image's file system is a directory
/// (<see cref="Root"/>, container path <c>/x</c> at <c>Root/x</c>), <c>WORKDIR</c> and <c>COPY</c> (from the
/// build context, honouring <c>.dockerignore</c>, or <c>--from</c> an earlier stage replayed into the same
/// root) are applied, and <c>RUN dotnet …</c> steps run on this machine with their absolute paths mapped
/// into the root, as do <c>RUN /path …</c> steps (a binary an earlier step built, e.g. <c>archeio ranges fetch</c>),
/// with the environment given. Other <c>RUN</c> steps (package installs) are skipped: the machine has what they install.
/// </summary>
internal sealed class DockerBuildReplay(string context, string root)
{
    private readonly IReadOnlyList<Regex> _ignored = ReadIgnore(Path.Combine(context, ".dockerignore"));

    public string Root { get; } = root;

    public string WorkingDirectory { get; private set; } = "/";

    /// <summary>The machine path of a container path (absolute, or relative to the current WORKDIR).</summary>
    public string Map(string containerPath)
    {
        var absolute = containerPath.StartsWith('/') ? containerPath : WorkingDirectory.TrimEnd('/') + "/" + containerPath;
        return Path.Combine(Root, absolute.TrimStart('/'));
    }

    public async Task<IReadOnlyList<CommandResult>> RunStageAsync(
        DockerStage stage, TimeSpan timeoutPerCommand, IReadOnlyDictionary<string, string>? environment = null)
    {
        var results = new List<CommandResult>();
        WorkingDirectory = "/";
        foreach (var instruction in stage.Instructions)
        {
            switch (instruction.Keyword)
            {
                case "WORKDIR":
                    WorkingDirectory = instruction.Arguments.StartsWith('/') ? instruction.Arguments : WorkingDirectory.TrimEnd('/') + "/" + instruction.Arguments;
                    Directory.CreateDirectory(Map(WorkingDirectory));
                    break;
                case "COPY":
                    Copy(Dockerfile.Words(instruction.Arguments));
                    break;
                case "RUN" when instruction.Arguments.StartsWith("dotnet ", StringComparison.Ordinal):
                    var words = Dockerfile.Words(instruction.Arguments);
                    var arguments = words.Skip(1).Select(w => w.StartsWith('/') ? Map(w) : w).ToList();
                    var result = await Commands.RunAsync("dotnet", arguments, timeoutPerCommand, environment, Map(WorkingDirectory));
                    Assert.True(result.ExitCode == 0, $"line {instruction.Line}: `{instruction.Arguments}` exited {result.ExitCode}\n{result.StandardOutput}\n{result.StandardError}");
                    results.Add(result);
                    break;
                case "RUN" when instruction.Arguments.StartsWith('/'):
                    var built = Dockerfile.Words(instruction.Arguments).Select(w => w.StartsWith('/') ? Map(w) : w).ToList();
                    var ran = await Commands.RunAsync(built[0], built.Skip(1), timeoutPerCommand, environment, Map(WorkingDirectory));
                    Assert.True(ran.ExitCode == 0, $"line {instruction.Line}: `{instruction.Arguments}` exited {ran.ExitCode}\n{ran.StandardOutput}\n{ran.StandardError}");
                    results.Add(ran);
                    break;
            }
        }

        return results;
    }

    private void Copy(string[] words)
    {
        var fromStage = words.FirstOrDefault(w => w.StartsWith("--from=", StringComparison.Ordinal));
        var operands = words.Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToArray();
        Assert.True(operands.Length >= 2, "COPY needs a source and a destination: " + string.Join(' ', words));
        var destination = operands[^1];
        var sources = operands[..^1];
        var intoDirectory = destination.EndsWith('/') || sources.Length > 1;
        foreach (var source in sources)
        {
            // --from=<stage>: that stage was replayed into the same root, so its paths are container paths.
            var from = fromStage is null ? Path.Combine(context, source.TrimEnd('/')) : Map(source.TrimEnd('/'));
            if (Directory.Exists(from))
            {
                foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
                {
                    var relative = Path.GetRelativePath(from, file).Replace('\\', '/');
                    if (fromStage is null && IsIgnored(Path.GetRelativePath(context, file).Replace('\\', '/')))
                    {
                        continue;
                    }

                    CopyFile(file, Map(destination.TrimEnd('/') + "/" + relative));
                }
            }
            else
            {
                Assert.True(File.Exists(from), $"COPY source '{source}' does not exist");
                Assert.False(fromStage is null && IsIgnored(source), $"COPY source '{source}' is excluded by .dockerignore");
                CopyFile(from, intoDirectory ? Map(destination.TrimEnd('/') + "/" + Path.GetFileName(from)) : Map(destination));
            }
        }
    }

    private static void CopyFile(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        File.Copy(from, to, overwrite: true);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(to, File.GetUnixFileMode(from));
        }
    }

    /// <summary>A path is ignored when it or one of its parent directories matches a pattern.</summary>
    public bool IsIgnored(string relativePath)
    {
        var parts = relativePath.Split('/');
        for (var n = 1; n <= parts.Length; n++)
        {
            var prefix = string.Join('/', parts.Take(n));
            if (_ignored.Any(p => p.IsMatch(prefix)))
            {
                return true;
            }
        }

        return false;
    }

    private static List<Regex> ReadIgnore(string path)
    {
        var patterns = new List<Regex>();
        if (!File.Exists(path))
        {
            return patterns;
        }

        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            Assert.False(line.StartsWith('!'), ".dockerignore exceptions (!) are not replayed: " + line);
            patterns.Add(Glob(line.Trim('/')));
        }

        return patterns;
    }

    /// <summary>Docker's .dockerignore globs: <c>**</c> any number of directories, <c>*</c> and <c>?</c> within one.</summary>
    private static Regex Glob(string pattern)
    {
        var regex = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                var slash = i + 2 < pattern.Length && pattern[i + 2] == '/';
                regex.Append(slash ? "(.*/)?" : ".*");
                i += slash ? 2 : 1;
            }
            else
            {
                regex.Append(pattern[i] switch
                {
                    '*' => "[^/]*",
                    '?' => "[^/]",
                    var c => Regex.Escape(c.ToString()),
                });
            }
        }

        return new Regex(regex.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
