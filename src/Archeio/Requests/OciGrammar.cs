using System.Buffers;

namespace Archeio.Requests;

/// <summary>
/// The grammars of the OCI distribution spec, as hand-written scanners over spans (every blob request
/// validates a name and a digest: the generated regexes this replaced cost about 200 ns a request, see
/// docs/performance.md). Each scanner accepts exactly the language of the regex quoted on it; the tests
/// check them against those regexes on generated strings.
/// Spec: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests
/// and https://github.com/opencontainers/image-spec/blob/main/descriptor.md#digests.
/// </summary>
internal static class OciGrammar
{
    /// <summary>
    /// Clients limit the registry host plus <c>/</c> plus name to 255 characters; a name longer than
    /// that cannot come from a real client (distribution-spec, "Pulling manifests").
    /// </summary>
    public const int MaxNameLength = 255;

    /// <summary>The longest digest we accept: algorithm plus a SHA-512 hex encoding, with headroom.</summary>
    public const int MaxDigestLength = 256;

    private const string Sha256Prefix = "sha256:";
    private const string Sha512Prefix = "sha512:";
    private const string CosignPrefix = "sha256-";
    private const int Sha256HexLength = 64;
    private const int Sha512HexLength = 128;
    private const int MaxTagLength = 128;

    // [a-z0-9]
    private static readonly SearchValues<char> LowerAlphanumeric = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");

    // [a-f0-9]
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    // [a-zA-Z0-9._-]
    private static readonly SearchValues<char> TagCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    // [a-zA-Z0-9=_-]
    private static readonly SearchValues<char> EncodedCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=_-");

    /// <summary>
    /// Repository name, at most <see cref="MaxNameLength"/> characters, of
    /// <c>[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*</c>.
    /// </summary>
    public static bool IsName(ReadOnlySpan<char> name)
    {
        if (name.Length > MaxNameLength)
        {
            return false;
        }

        // Alternating: a run of [a-z0-9]+, then at the end accept, or a separator ('/', '.', '_', '__', '-+')
        // that must be followed by another run.
        var i = 0;
        while (true)
        {
            var run = RunLength(name[i..], LowerAlphanumeric);
            if (run == 0)
            {
                return false;
            }

            i += run;
            if (i == name.Length)
            {
                return true;
            }

            switch (name[i])
            {
                case '/' or '.':
                    i++;
                    break;
                case '_':
                    i += i + 1 < name.Length && name[i + 1] == '_' ? 2 : 1;
                    break;
                case '-':
                    while (i < name.Length && name[i] == '-')
                    {
                        i++;
                    }

                    break;
                default:
                    return false;
            }
        }
    }

    /// <summary>Tag: <c>[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}</c>.</summary>
    public static bool IsTag(ReadOnlySpan<char> tag)
        => tag.Length is > 0 and <= MaxTagLength
            && tag[0] is not ('.' or '-')
            && !tag.ContainsAnyExcept(TagCharacters);

    /// <summary>Cosign's tag for the signature or attestation of a manifest: <c>sha256-[a-f0-9]{64}\.(sig|att)</c>.</summary>
    public static bool IsCosignTag(ReadOnlySpan<char> tag)
        => tag.Length == CosignPrefix.Length + Sha256HexLength + 4
            && tag.StartsWith(CosignPrefix, StringComparison.Ordinal)
            && !tag.Slice(CosignPrefix.Length, Sha256HexLength).ContainsAnyExcept(LowerHex)
            && tag[^4..] is ".sig" or ".att";

    /// <summary>
    /// True for a digest of the grammar <c>algorithm ":" encoded</c>, algorithm <c>[a-z0-9]+([+._-][a-z0-9]+)*</c>,
    /// encoded <c>[a-zA-Z0-9=_-]+</c> (image-spec descriptor.md#digests), whose registered algorithm, if any,
    /// has the right encoding (descriptor.md#registered-algorithms): <c>sha256:</c> needs 64 lowercase hex
    /// digits and <c>sha512:</c> 128. Unregistered algorithms pass on the grammar alone, so that new ones
    /// reach the upstream, which decides.
    /// </summary>
    public static bool IsDigest(ReadOnlySpan<char> digest)
    {
        if (digest.Length > MaxDigestLength)
        {
            return false;
        }

        if (digest.StartsWith(Sha256Prefix, StringComparison.Ordinal))
        {
            return IsLowerHex(digest[Sha256Prefix.Length..], Sha256HexLength);
        }

        if (digest.StartsWith(Sha512Prefix, StringComparison.Ordinal))
        {
            return IsLowerHex(digest[Sha512Prefix.Length..], Sha512HexLength);
        }

        // Algorithm: runs of [a-z0-9]+ joined by single [+._-], up to the ':'.
        var i = 0;
        while (true)
        {
            var run = RunLength(digest[i..], LowerAlphanumeric);
            if (run == 0)
            {
                return false;
            }

            i += run;
            if (i == digest.Length)
            {
                return false;
            }

            var c = digest[i++];
            if (c == ':')
            {
                break;
            }

            if (c is not ('+' or '.' or '_' or '-'))
            {
                return false;
            }
        }

        var encoded = digest[i..];
        return !encoded.IsEmpty && !encoded.ContainsAnyExcept(EncodedCharacters);
    }

    private static bool IsLowerHex(ReadOnlySpan<char> hex, int length) => hex.Length == length && !hex.ContainsAnyExcept(LowerHex);

    /// <summary>How many characters at the start of <paramref name="text"/> are in <paramref name="values"/>.</summary>
    private static int RunLength(ReadOnlySpan<char> text, SearchValues<char> values)
    {
        var end = text.IndexOfAnyExcept(values);
        return end < 0 ? text.Length : end;
    }
}
