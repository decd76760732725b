namespace Archeio.Configuration;

/// <summary>An object-storage copy of the upstream's blobs.</summary>
/// <param name="Name">Name that rules refer to.</param>
/// <param name="BlobUrl">URL template with exactly one <c>{digest}</c> placeholder, and optionally <c>{name}</c> (the repository).</param>
/// <param name="Index">Position in <c>Archeio:Mirrors</c>, which is also its position in <see cref="ArcheioSettings.Candidates"/>.</param>
/// <param name="Inventory">File path or http(s) URL of the mirror's inventory (digests it holds, one per line), or null.</param>
internal sealed record MirrorSettings(string Name, string BlobUrl, int Index = 0, string? Inventory = null) : Candidate(Name, Index)
{
    public const string DigestPlaceholder = "{digest}";

    /// <summary>The repository, for mirrors laid out per repository (<c>https://host/{name}/blobs/{digest}</c>).</summary>
    public const string NamePlaceholder = "{name}";

    private readonly int _placeholder = BlobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);

    public override bool IsRepositoryScoped { get; } = BlobUrl.Contains(NamePlaceholder, StringComparison.Ordinal);

    public override string Host { get; } = new Uri(BlobUrl.Replace(DigestPlaceholder, "d", StringComparison.Ordinal).Replace(NamePlaceholder, "n", StringComparison.Ordinal)).Authority;

    /// <summary>The mirror's URL for a blob: both its HEAD check and its redirect.</summary>
    public string UrlFor(string name, string digest)
    {
        var url = string.Concat(BlobUrl.AsSpan(0, _placeholder), digest, BlobUrl.AsSpan(_placeholder + DigestPlaceholder.Length));
        return IsRepositoryScoped ? url.Replace(NamePlaceholder, name, StringComparison.Ordinal) : url;
    }

    public override string CheckUrl(string name, string digest) => UrlFor(name, digest);
}
