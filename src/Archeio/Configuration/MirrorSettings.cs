namespace Archeio.Configuration;

/// <summary>An object-storage copy of the upstream's blobs.</summary>
/// <param name="Name">Name that rules refer to.</param>
/// <param name="BlobUrl">URL template with exactly one <c>{digest}</c> placeholder.</param>
/// <param name="Index">Position in <c>Archeio:Mirrors</c>: the mirror's identity in caches and counters.</param>
/// <param name="Inventory">File path or http(s) URL of the mirror's inventory (digests it holds, one per line), or null.</param>
internal sealed record MirrorSettings(string Name, string BlobUrl, int Index = 0, string? Inventory = null)
{
    public const string DigestPlaceholder = "{digest}";

    private readonly int _placeholder = BlobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);

    /// <summary>The mirror's URL for a blob; <paramref name="digest"/> must already be validated.</summary>
    public string UrlFor(string digest)
        => string.Concat(BlobUrl.AsSpan(0, _placeholder), digest, BlobUrl.AsSpan(_placeholder + DigestPlaceholder.Length));

    /// <summary>Scheme and authority, for logs.</summary>
    public string Host { get; } = new Uri(BlobUrl.Replace(DigestPlaceholder, "d", StringComparison.Ordinal)).Authority;
}
