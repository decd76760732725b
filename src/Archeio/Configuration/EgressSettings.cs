namespace Archeio.Configuration;

/// <summary>The published list of hosts a pull can reach (<c>Archeio:Egress</c>; Egress/EgressEndpoint.cs).</summary>
/// <param name="Path">Where the list is served on the public port (and the operations port), or null: not served.</param>
internal sealed record EgressSettings(string? Path)
{
    public const string DefaultPath = "/egress";

    public static EgressSettings Default { get; } = new(DefaultPath);

    /// <summary>
    /// Reads <c>Archeio:Egress</c>. An empty <c>Path</c> turns the list off; a set one must be an absolute path that no
    /// request of the registry API or of Archeio's own pages (<c>/</c>, <c>/privacy</c>) could mean.
    /// </summary>
    public static EgressSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(Path));
        var value = section[nameof(Path)];
        if (value is null)
        {
            return Default;
        }

        if (value.Length == 0)
        {
            return new EgressSettings(Path: null);
        }

        if (WhyNotAPath(value) is { } why)
        {
            section.Error(nameof(Path), why);
            return Default;
        }

        return new EgressSettings(value.TrimEnd('/'));
    }

    private static string? WhyNotAPath(string value)
    {
        if (!value.StartsWith('/') || value.Length < 2 || value.AsSpan(1).ContainsAny("?#% \\") || value.Contains("//", StringComparison.Ordinal))
        {
            return $"'{value}' is not an absolute path such as /egress (or empty, to turn the list off)";
        }

        var trimmed = value.TrimEnd('/');
        if (trimmed.Equals("/v2", StringComparison.Ordinal) || trimmed.StartsWith("/v2/", StringComparison.Ordinal))
        {
            return $"'{value}' collides with the registry API (/v2/…), which every request under it belongs to";
        }

        if (trimmed.Equals("/privacy", StringComparison.Ordinal))
        {
            return $"'{value}' collides with the privacy page";
        }

        return null;
    }
}
