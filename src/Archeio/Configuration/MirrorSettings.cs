using System.Collections.Immutable;
using Archeio.Oci.Digests;
using Archeio.Requests;
using Archeio.Sources;

namespace Archeio.Configuration;

/// <summary>An object-storage copy of the upstream's blobs.</summary>
/// <param name="Name">Name that rules refer to.</param>
/// <param name="BlobUrl">URL template with exactly one <c>{digest}</c> placeholder, and optionally <c>{name}</c> (the repository).</param>
/// <param name="Index">Position in <c>Archeio:Mirrors</c>, which is also its position in <see cref="ArcheioSettings.Candidates"/>.</param>
/// <param name="Inventory">File path or http(s) URL of the mirror's inventory (digests it holds, one per line), or null.</param>
/// <param name="Probe">The object the mirror's client-shaped probes fetch, or null: the mirror is not probed.</param>
/// <param name="ManifestUrl">URL template like <see cref="BlobUrl"/> of the manifests the mirror holds by digest, or null: none.</param>
/// <param name="ManifestInventory">File path or http(s) URL of the list of manifest digests the mirror holds, or null.</param>
/// <param name="Signing">How the mirror's URLs are signed (a private bucket), or null: they are handed out as they are.</param>
/// <param name="PricePerGiB">What one GiB of the mirror's egress costs (<c>PricePerGiB</c>, no currency), or null: no cost estimated (Metrics/EgressMetrics.cs).</param>
internal sealed record MirrorSettings(
    string Name,
    string BlobUrl,
    int Index = 0,
    string? Inventory = null,
    MirrorProbe? Probe = null,
    string? ManifestUrl = null,
    string? ManifestInventory = null,
    SigningSettings? Signing = null,
    double? PricePerGiB = null)
    : Candidate(Name, Index)
{
    public const string DigestPlaceholder = "{digest}";

    /// <summary>The repository, for mirrors laid out per repository (<c>https://host/{name}/blobs/{digest}</c>).</summary>
    public const string NamePlaceholder = "{name}";

    private readonly int _placeholder = BlobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);

    public override bool IsRepositoryScoped { get; } = BlobUrl.Contains(NamePlaceholder, StringComparison.Ordinal);

    public override string Host { get; } = new Uri(BlobUrl.Replace(DigestPlaceholder, "d", StringComparison.Ordinal).Replace(NamePlaceholder, "n", StringComparison.Ordinal)).Authority;

    /// <summary>The mirror's URL for a blob: both its HEAD check and its redirect.</summary>
    public string UrlFor(string name, string digest) => Expand(BlobUrl, _placeholder, IsRepositoryScoped, name, digest);

    public override string CheckUrl(string name, string digest) => UrlFor(name, digest);

    public override bool HoldsManifests => ManifestUrl is not null;

    public override string? ManifestUrlFor(string name, string digest)
        => ManifestUrl is null ? null : Expand(ManifestUrl, _manifestPlaceholder, _manifestsByName, name, digest);

    private readonly int _manifestPlaceholder = ManifestUrl?.IndexOf(DigestPlaceholder, StringComparison.Ordinal) ?? -1;

    private readonly bool _manifestsByName = ManifestUrl?.Contains(NamePlaceholder, StringComparison.Ordinal) ?? false;

    /// <summary>A template with its <see cref="DigestPlaceholder"/> (at <paramref name="at"/>) and, <paramref name="byName"/>, its <see cref="NamePlaceholder"/> filled in.</summary>
    private static string Expand(string template, int at, bool byName, string name, string digest)
    {
        var url = string.Concat(template.AsSpan(0, at), digest, template.AsSpan(at + DigestPlaceholder.Length));
        return byName ? url.Replace(NamePlaceholder, name, StringComparison.Ordinal) : url;
    }

    /// <summary>Names kept for the two upstreams, so that rules can list them beside mirrors.</summary>
    private static readonly string[] ReservedNames = ["upstream", "signature-upstream"];

    /// <summary>
    /// Reads <c>Archeio:Mirrors</c>, each at its <see cref="Candidate.Index"/>, and <c>Archeio:DefaultMirrorBaseUrl</c>
    /// (<c>DEFAULT_AWS_BASE_URL</c>), which sets the <see cref="BlobUrl"/> of the mirror named <c>default</c>.
    /// </summary>
    public static ImmutableArray<MirrorSettings> ReadAll(SettingsSection root)
    {
        var result = ImmutableArray.CreateBuilder<MirrorSettings>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var defaultBase = root.Url(ArcheioSettingsReader.DefaultMirrorBaseUrlKey, required: false, allowQuery: false);
        foreach (var item in root.Section(nameof(ArcheioSettings.Mirrors)).Children())
        {
            if (Read(item, result.Count, names, defaultBase) is { } mirror)
            {
                result.Add(mirror);
            }
        }

        // A name is in names once it passed the name checks, whether or not the rest of its mirror was valid.
        if (defaultBase is not null && !names.Contains("default"))
        {
            root.Error(ArcheioSettingsReader.DefaultMirrorBaseUrlKey, "is set (DEFAULT_AWS_BASE_URL) but no mirror is named 'default'");
        }

        return result.ToImmutable();
    }

    /// <summary>Reads one <c>Archeio:Mirrors:N</c>, adding its name to <paramref name="names"/>; null when invalid.</summary>
    private static MirrorSettings? Read(SettingsSection item, int index, HashSet<string> names, string? defaultBase)
    {
        item.CheckKnownKeys(nameof(Name), nameof(BlobUrl), nameof(Inventory), nameof(Probe), nameof(ManifestUrl), nameof(ManifestInventory), nameof(Signing), nameof(PricePerGiB));
        var name = item[nameof(Name)];
        if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            item.Error(nameof(Name), "is required and may not contain spaces");
            return null;
        }

        if (ReservedNames.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            item.Error(nameof(Name), $"'{name}' is reserved for the upstream registries");
            return null;
        }

        if (!names.Add(name))
        {
            item.Error(nameof(Name), $"duplicate mirror name '{name}'");
            return null;
        }

        var blobUrl = item[nameof(BlobUrl)];
        if (string.Equals(name, "default", StringComparison.OrdinalIgnoreCase) && defaultBase is not null)
        {
            // DEFAULT_AWS_BASE_URL: the original's layout under a bucket or CDN base URL.
            blobUrl = defaultBase + "/containers/images/" + DigestPlaceholder;
        }

        if (CheckBlobUrl(blobUrl) is { } why)
        {
            item.Error(nameof(BlobUrl), why);
            return null;
        }

        var inventory = ReadInventory(item, nameof(Inventory));
        var manifestUrl = item.Text(nameof(ManifestUrl));
        if (manifestUrl is not null && CheckBlobUrl(manifestUrl) is { } badManifestUrl)
        {
            item.Error(nameof(ManifestUrl), badManifestUrl);
        }

        var manifestInventory = ReadInventory(item, nameof(ManifestInventory));
        if (manifestInventory is not null && manifestUrl is null)
        {
            item.Error(nameof(ManifestInventory), "is set but ManifestUrl is not: the mirror holds no manifests to list");
        }

        var probe = ReadProbe(item, blobUrl!.Contains(NamePlaceholder, StringComparison.Ordinal));
        var signing = SigningSettings.Read(item, blobUrl!, manifestUrl);
        return new MirrorSettings(name, blobUrl!, index, inventory, probe, manifestUrl, manifestInventory, signing, item.Price(nameof(PricePerGiB)));
    }

    /// <summary>An inventory setting: a file that exists or an http(s) URL; null when unset (or reported as invalid).</summary>
    private static string? ReadInventory(SettingsSection item, string key)
    {
        var inventory = item.Text(key);
        if (inventory is not null && SourceLocation.IsUrl(inventory))
        {
            if (SettingsSection.CheckHttpUrl(inventory, allowQuery: true) is { } bad)
            {
                item.Error(key, bad);
                return null;
            }
        }
        else if (inventory is not null && !File.Exists(inventory))
        {
            item.Error(key, $"file '{inventory}' does not exist");
            return null;
        }

        return inventory;
    }

    /// <summary>
    /// <c>Mirrors:N:Probe</c>: a digest the probe hashes what it fetches against (so sha256 or sha512 in canonical form),
    /// prefixed with <c>&lt;repository&gt;@</c> exactly when the mirror's layout has <c>{name}</c>. An error is reported
    /// under the key; the mirror then has no probe, which does not hide the error (the server refuses to start).
    /// </summary>
    private static MirrorProbe? ReadProbe(SettingsSection item, bool byRepository)
    {
        var text = item.Text(nameof(Probe));
        if (text is null)
        {
            return null;
        }

        var at = text.LastIndexOf('@');
        var repository = at < 0 ? string.Empty : text[..at];
        var digest = text[(at + 1)..];
        if (!Digest.IsVerifiable(digest))
        {
            item.Error(nameof(Probe), $"'{text}' does not end in a digest the probe can verify (sha256:<64 hex> or sha512:<128 hex>, lowercase)");
            return null;
        }

        if (byRepository && !OciGrammar.IsName(repository))
        {
            item.Error(nameof(Probe), $"the BlobUrl has {NamePlaceholder}: write the probe as <repository>@<digest> with a valid repository name, not '{text}'");
            return null;
        }

        if (!byRepository && at >= 0)
        {
            item.Error(nameof(Probe), $"the BlobUrl has no {NamePlaceholder}: write the probe as a digest only, not '{text}'");
            return null;
        }

        return new MirrorProbe(repository, digest);
    }

    /// <summary>Why <paramref name="blobUrl"/> is not a usable template: one <see cref="DigestPlaceholder"/>, in its path or query; null when it is.</summary>
    private static string? CheckBlobUrl(string? blobUrl)
    {
        if (string.IsNullOrWhiteSpace(blobUrl))
        {
            return "is required";
        }

        var first = blobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);
        if (first < 0 || blobUrl.IndexOf(DigestPlaceholder, first + 1, StringComparison.Ordinal) >= 0)
        {
            return $"must contain {DigestPlaceholder} exactly once";
        }

        var sample = blobUrl.Replace(DigestPlaceholder, "sha256:0", StringComparison.Ordinal);
        if (SettingsSection.CheckHttpUrl(sample, allowQuery: true) is { } why)
        {
            return why;
        }

        var uri = new Uri(sample);
        return uri.AbsolutePath.Contains("sha256:0", StringComparison.Ordinal) || uri.Query.Contains("sha256:0", StringComparison.Ordinal)
            ? null
            : $"{DigestPlaceholder} must be in the path or query, not the host";
    }
}
