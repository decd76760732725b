namespace Archeio.Sources;

/// <summary>What one <see cref="RefreshedSource{T}.RefreshAsync"/> found.</summary>
internal enum SourceChange
{
    /// <summary>A new version was read and parsed: it is the value now.</summary>
    Changed,

    /// <summary>A 304, or a file with the stamp of the value in use: the value is current.</summary>
    Unchanged,

    /// <summary>The source could not be read, or its content was refused: the last good value (if any) is kept.</summary>
    Failed,
}

/// <summary>The outcome of one refresh of a <see cref="RefreshedSource{T}"/>.</summary>
/// <param name="Change">What happened.</param>
/// <param name="Error">Why it failed, in one line, for <see cref="SourceChange.Failed"/>; null otherwise.</param>
internal readonly record struct SourceRefresh(SourceChange Change, string? Error)
{
    public static SourceRefresh Changed => new(SourceChange.Changed, null);

    public static SourceRefresh Unchanged => new(SourceChange.Unchanged, null);

    public static SourceRefresh Failed(string error) => new(SourceChange.Failed, error);
}
