namespace Archeio.Tests.Security;

/// <summary>A response read by <see cref="RawHttpConnection"/>: its status and headers (the body is skipped).</summary>
/// <param name="Status">The status code.</param>
/// <param name="Headers">Header lines in order, names as sent.</param>
internal sealed record RawHttpResponse(int Status, IReadOnlyList<(string Name, string Value)> Headers)
{
    /// <summary>The first value of a header (names compared case-insensitively), or null.</summary>
    public string? Header(string name)
        => Headers.FirstOrDefault(h => string.Equals(h.Name, name, StringComparison.OrdinalIgnoreCase)).Value;
}
