namespace Archeio.Configuration;

/// <summary>
/// The object a mirror's probe fetches (<c>Mirrors:N:Probe</c>): a digest the mirror must hold, and for a mirror laid
/// out per repository (<c>{name}</c> in its <c>BlobUrl</c>) the repository it is under.
/// </summary>
/// <param name="Repository">The repository (<c>{name}</c>), or empty for a mirror laid out by digest only.</param>
/// <param name="Digest">A verifiable digest (sha256 or sha512, lowercase hex): the probe hashes what it gets.</param>
internal sealed record MirrorProbe(string Repository, string Digest)
{
    /// <summary>The setting's text: <c>&lt;digest&gt;</c> or <c>&lt;repository&gt;@&lt;digest&gt;</c>.</summary>
    public override string ToString() => Repository.Length == 0 ? Digest : Repository + "@" + Digest;
}
