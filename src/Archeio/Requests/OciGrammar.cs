using System.Text.RegularExpressions;

namespace Archeio.Requests;

/// <summary>
/// The grammars of the OCI distribution spec, as generated regexes.
/// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
/// and https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests.
/// Every pattern is anchored with <c>\z</c>, not <c>$</c>, which would also match before a trailing newline.
/// </summary>
internal static partial class OciGrammar
{
    /// <summary>
    /// Clients limit the registry host plus <c>/</c> plus name to 255 characters; a name longer than
    /// that cannot come from a real client (distribution-spec, "Pulling manifests").
    /// </summary>
    public const int MaxNameLength = 255;

    /// <summary>The longest digest we accept: algorithm plus a SHA-512 hex encoding, with headroom.</summary>
    public const int MaxDigestLength = 256;

    /// <summary>Repository name: <c>[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*</c>.</summary>
    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    /// <summary>Tag: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    /// <summary>
    /// Digest: <c>algorithm ":" encoded</c>, algorithm <c>[a-z0-9]+([+._-][a-z0-9]+)*</c>,
    /// encoded <c>[a-zA-Z0-9=_-]+</c> (image-spec descriptor.md#digests).
    /// </summary>
    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestRegex();

    /// <summary>Registered algorithms have a fixed lowercase-hex encoding (image-spec descriptor.md#registered-algorithms).</summary>
    [GeneratedRegex(@"^sha256:[a-f0-9]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Regex();

    [GeneratedRegex(@"^sha512:[a-f0-9]{128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha512Regex();

    /// <summary>Cosign's tag for the signature or attestation of a manifest: <c>sha256-&lt;hex&gt;.sig|.att</c>.</summary>
    [GeneratedRegex(@"^sha256-[a-f0-9]{64}\.(?:sig|att)\z", RegexOptions.CultureInvariant)]
    private static partial Regex CosignTagRegex();

    public static bool IsName(string name) => name.Length <= MaxNameLength && NameRegex().IsMatch(name);

    public static bool IsTag(string tag) => TagRegex().IsMatch(tag);

    public static bool IsCosignTag(string tag) => CosignTagRegex().IsMatch(tag);

    /// <summary>
    /// True for a digest of the grammar whose registered algorithm, if any, has the right encoding:
    /// <c>sha256:</c> needs 64 lowercase hex digits and <c>sha512:</c> 128. Unregistered algorithms
    /// pass on the grammar alone, so that new ones reach the upstream, which decides.
    /// </summary>
    public static bool IsDigest(string digest)
    {
        if (digest.Length > MaxDigestLength || !DigestRegex().IsMatch(digest))
        {
            return false;
        }

        if (digest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return Sha256Regex().IsMatch(digest);
        }

        return !digest.StartsWith("sha512:", StringComparison.Ordinal) || Sha512Regex().IsMatch(digest);
    }
}
