using System.Text.RegularExpressions;

namespace Archeio.Tests.Deploy;

/// <summary>One instruction of a Dockerfile: the keyword (upper case) and its arguments, continuation lines joined.</summary>
internal sealed record DockerInstruction(string Keyword, string Arguments, int Line);

/// <summary>One build stage: <c>FROM image AS name</c> and its instructions.</summary>
internal sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<string> All(string keyword) => Instructions.Where(i => i.Keyword == keyword).Select(i => i.Arguments);
}

/// <summary>
/// A small Dockerfile reader: enough of the syntax (comments, <c>\</c> continuations, stages) for the tests
/// to check this repository's Dockerfile and replay its build steps without a container engine.
/// </summary>
internal static partial class Dockerfile
{
    public static IReadOnlyList<DockerStage> Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var joined = line;
            while (joined.EndsWith('\\') && i + 1 < lines.Length)
            {
                joined = joined[..^1].TrimEnd() + " ";
                var next = lines[++i].Trim();
                if (!next.StartsWith('#'))
                {
                    joined += next;
                }
            }

            var space = joined.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(space < 0
                ? new DockerInstruction(joined.ToUpperInvariant(), string.Empty, start)
                : new DockerInstruction(joined[..space].ToUpperInvariant(), joined[(space + 1)..].Trim(), start));
        }

        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        foreach (var instruction in instructions)
        {
            if (current is null && instruction.Keyword == "ARG")
            {
                // A global build argument (before the first FROM): read by GlobalArguments.
                continue;
            }

            if (instruction.Keyword == "FROM")
            {
                var match = FromPattern().Match(instruction.Arguments);
                Assert.True(match.Success, $"line {instruction.Line}: FROM {instruction.Arguments}");
                current = [];
                stages.Add(new DockerStage(match.Groups["image"].Value, match.Groups["name"].Success ? match.Groups["name"].Value : null, current));
            }
            else
            {
                Assert.True(current is not null, $"line {instruction.Line}: {instruction.Keyword} before FROM");
                current.Add(instruction);
            }
        }

        return stages;
    }

    /// <summary>The build arguments declared before the first <c>FROM</c>, with their defaults (usable in <c>FROM</c> lines).</summary>
    public static IReadOnlyDictionary<string, string?> GlobalArguments(string text)
    {
        var arguments = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in text.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()))
        {
            if (line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))
            {
                break;
            }

            if (line.StartsWith("ARG ", StringComparison.OrdinalIgnoreCase))
            {
                var declaration = line[4..].Trim();
                var equals = declaration.IndexOf('=', StringComparison.Ordinal);
                arguments[equals < 0 ? declaration : declaration[..equals]] = equals < 0 ? null : declaration[(equals + 1)..];
            }
        }

        return arguments;
    }

    /// <summary>Words of a shell-form command (this Dockerfile's <c>dotnet</c> steps use no quoting or shell syntax).</summary>
    public static string[] Words(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The arguments of an exec-form (JSON array) instruction such as <c>ENTRYPOINT ["/app/archeio"]</c>.</summary>
    public static string[] ExecForm(string arguments)
        => System.Text.Json.JsonSerializer.Deserialize<string[]>(arguments) ?? throw new FormatException("not an exec-form array: " + arguments);

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}
