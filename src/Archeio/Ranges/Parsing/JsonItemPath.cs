namespace Archeio.Ranges.Parsing;

/// <summary>
/// The JSON path of an object inside an array (<c>prefixes[12]</c>, or <c>values[3].properties</c>
/// with <paramref name="Member"/>), kept unformatted so that parsing tens of thousands of entries
/// formats a path string only when it reports an error.
/// </summary>
/// <param name="ArrayPath">Path of the array, e.g. <c>prefixes</c>.</param>
/// <param name="Index">Index of the item in the array.</param>
/// <param name="Member">Optional member path below the item, e.g. <c>properties</c>.</param>
internal readonly record struct JsonItemPath(string ArrayPath, int Index, string? Member = null)
{
    /// <summary>The path of the property <paramref name="name"/> of this object.</summary>
    public string Property(string name) => $"{this}.{name}";

    public override string ToString() =>
        Member is null ? $"{ArrayPath}[{Index}]" : $"{ArrayPath}[{Index}].{Member}";
}
