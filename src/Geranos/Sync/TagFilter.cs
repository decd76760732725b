using System.IO.Enumeration;

namespace Geranos.Sync;

/// <summary>
/// Which tags a sync takes: those matching any <c>--include</c> glob (all when there is none) and no
/// <c>--exclude</c> glob. Globs are the shell's simple ones, <c>*</c> and <c>?</c>, matched case-sensitively
/// over the whole tag (tags are case-sensitive: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
/// </summary>
internal sealed record TagFilter(IReadOnlyList<string> Include, IReadOnlyList<string> Exclude)
{
    public static TagFilter All { get; } = new([], []);

    public bool Matches(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        return (Include.Count == 0 || Include.Any(glob => Glob(glob, tag))) && !Exclude.Any(glob => Glob(glob, tag));
    }

    private static bool Glob(string glob, string tag) => FileSystemName.MatchesSimpleExpression(glob, tag, ignoreCase: false);
}
