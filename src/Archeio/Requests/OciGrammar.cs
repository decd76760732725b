using System.Buffers;
using Archeio.Oci.Digests;

namespace Archeio.Requests;

/// <summary>
/// The grammars of the OCI distribution spec, as hand-written scanners over spans (every blob request
/// validates a name and a digest, and generated regexes cost about 200 ns a request there, see
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

    /// <summary>The longest digest we accept (<see cref="Digest.MaxLength"/>).</summary>
    public const int MaxDigestLength = Digest.MaxLength;

    private const string CosignPrefix = "sha256-";
    private const int MaxTagLength = 128;

    // [a-z0-9]
    private static readonly SearchValues<char> LowerAlphanumeric = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");

    // [a-zA-Z0-9._-]
    private static readonly SearchValues<char> TagCharacters = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

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
        => tag.Length == CosignPrefix.Length + Digest.Sha256HexLength + 4
            && tag.StartsWith(CosignPrefix, StringComparison.Ordinal)
            && Digest.IsLowerHex(tag.Slice(CosignPrefix.Length, Digest.Sha256HexLength), Digest.Sha256HexLength)
            && tag[^4..] is ".sig" or ".att";

    /// <summary>A digest of the grammar of image-spec descriptor.md#digests: <see cref="Digest.IsWellFormed"/>.</summary>
    public static bool IsDigest(ReadOnlySpan<char> digest) => Digest.IsWellFormed(digest);

    /// <summary>How many characters at the start of <paramref name="text"/> are in <paramref name="values"/>.</summary>
    private static int RunLength(ReadOnlySpan<char> text, SearchValues<char> values)
    {
        var end = text.IndexOfAnyExcept(values);
        return end < 0 ? text.Length : end;
    }
}
