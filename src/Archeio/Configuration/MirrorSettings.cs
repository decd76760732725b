namespace Archeio.Configuration;

/// <summary>An object-storage copy of the upstream's blobs.</summary>
/// <param name="Name">Name that rules refer to.</param>
/// <param name="BlobUrl">URL template with exactly one <c>{digest}</c> placeholder.</param>
/// <param name="Index">Position in <c>Archeio:Mirrors</c>: the mirror's identity in caches and counters.</param>
/// <param name="Inventory">File path or http(s) URL of the mirror's inventory (digests it holds, one per line), or null.</param>
internal sealed record MirrorSettings(string Name, string BlobUrl, int Index = 0, string? Inventory = null)
{
    public const string DigestPlaceholder = "{digest}";

    /// <summary>In an upstream's blob URL: the repository (registries scope blobs by repository).</summary>
    public const string NamePlaceholder = "{name}";

    private readonly int _placeholder = BlobUrl.IndexOf(DigestPlaceholder, StringComparison.Ordinal);

    /// <summary>
    /// Set when this "mirror" is an upstream registry checked like a mirror (the names <c>upstream</c> and
    /// <c>signature-upstream</c> in a rule's list): its redirect is then the upstream's, query included.
    /// </summary>
    public UpstreamSettings? Upstream { get; init; }

    /// <summary>True for an upstream's signature endpoint checked like a mirror.</summary>
    public bool IsSignatureUpstream { get; init; }

    /// <summary>True when answers depend on the repository as well as the digest.</summary>
    public bool IsRepositoryScoped { get; } = BlobUrl.Contains(NamePlaceholder, StringComparison.Ordinal);

    /// <summary>The mirror's URL for a blob; <paramref name="name"/> and <paramref name="digest"/> must already be validated.</summary>
    public string UrlFor(string name, string digest)
    {
        var url = string.Concat(BlobUrl.AsSpan(0, _placeholder), digest, BlobUrl.AsSpan(_placeholder + DigestPlaceholder.Length));
        return IsRepositoryScoped ? url.Replace(NamePlaceholder, name, StringComparison.Ordinal) : url;
    }

    /// <summary>Scheme and authority, for logs.</summary>
    public string Host { get; } = new Uri(BlobUrl.Replace(DigestPlaceholder, "d", StringComparison.Ordinal).Replace(NamePlaceholder, "n", StringComparison.Ordinal)).Authority;

    /// <summary>An upstream (or its signature endpoint) as a HEAD-checked candidate.</summary>
    public static MirrorSettings ForUpstream(UpstreamSettings upstream, bool signature, int index)
    {
        var prefix = signature ? upstream.SignaturePrefix! : upstream.Prefix;
        var name = (signature ? "signature-upstream" : "upstream") + (upstream.Name == "default" ? "" : ":" + upstream.Name);
        return new MirrorSettings(name, prefix + NamePlaceholder + "/blobs/" + DigestPlaceholder, index) { Upstream = upstream, IsSignatureUpstream = signature };
    }
}
