using Archeio.Requests;

namespace Archeio.Configuration;

/// <summary>
/// A manifest an upstream's health probe asks for (<c>Upstreams:N:ProbeManifest</c>, <c>&lt;name&gt;:&lt;tag&gt;</c>): the
/// name as clients request it (without the upstream's <c>Path</c>), a tag of the distribution-spec grammar. Its HEAD must
/// answer 200, which <c>/v2/</c> alone cannot say (an edge that answers <c>/v2/</c> but 403s or 503s every manifest).
/// </summary>
internal sealed record ManifestProbe(string Name, string Tag)
{
    public override string ToString() => Name + ":" + Tag;

    /// <summary>Reads <paramref name="key"/> of <paramref name="section"/>; null when unset or invalid (then reported).</summary>
    public static ManifestProbe? Read(SettingsSection section, string key)
    {
        ArgumentNullException.ThrowIfNull(section);
        if (section.Text(key) is not { } text)
        {
            return null;
        }

        // A repository name has no ':' (distribution-spec, "Pulling manifests"), so the first one ends it.
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        var tag = colon < 0 ? string.Empty : text[(colon + 1)..];
        if (!OciGrammar.IsName(name) || !OciGrammar.IsTag(tag))
        {
            section.Error(key, $"'{text}' is not <name>:<tag> of the OCI grammar (e.g. pause:3.10)");
            return null;
        }

        return new ManifestProbe(name, tag);
    }
}
