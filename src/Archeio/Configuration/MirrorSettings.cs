namespace Archeio.Configuration;

/// <summary>An object-storage copy of the upstream's blobs.</summary>
/// <param name="Name">Name that rules refer to.</param>
/// <param name="BlobUrl">URL template with exactly one <c>{digest}</c> placeholder.</param>
internal sealed record MirrorSettings(string Name, string BlobUrl)
{
    public const string DigestPlaceholder = "{digest}";

    private readonly int _placeholder = BlobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);

    /// <summary>The mirror's URL for a blob; <paramref name="digest"/> must already be validated.</summary>
    public string UrlFor(string digest)
        => string.Concat(BlobUrl.AsSpan(0, _placeholder), digest, BlobUrl.AsSpan(_placeholder + DigestPlaceholder.Length));

    /// <summary>Scheme and authority, for logs.</summary>
    public string Host { get; } = new Uri(BlobUrl.Replace(DigestPlaceholder, "d", StringComparison.Ordinal)).Authority;
}
