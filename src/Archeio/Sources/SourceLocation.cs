namespace Archeio.Sources;

/// <summary>
/// What a configured source location is: an http(s) URL, fetched, or anything else, a file path, read. The one
/// place that decides it, so that range sources, mirror inventories and every later source read the same way.
/// </summary>
internal static class SourceLocation
{
    /// <summary>Whether <paramref name="location"/> is fetched over HTTP: it starts with <c>http://</c> or <c>https://</c>, in any case.</summary>
    public static bool IsUrl(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <paramref name="location"/> as logs may show it: a URL's query may hold a signature (a pre-signed bucket URL),
    /// so it is shown as <c>?…</c>.
    /// </summary>
    public static string Display(string location) =>
        IsUrl(location) && location.IndexOf('?', StringComparison.Ordinal) is var query and >= 0 ? location[..query] + "?…" : location;
}
