using System.Text.RegularExpressions;
using Archeio.Requests;

namespace Archeio.Tests.Requests;

/// <summary>
/// The hand-written scanners of <see cref="OciGrammar"/> against the regexes they replaced (the spec's grammars,
/// verbatim), on every short string over an alphabet of the characters that matter and on many random longer ones.
/// </summary>
public sealed partial class OciGrammarOracleTests
{
    // The alphabet: every separator and class boundary of the grammars, plus characters none allows.
    private const string Alphabet = "a0Z_-.+/:=%@\n";

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex NameRegex();

    [GeneratedRegex(@"^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}\z", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex DigestRegex();

    [GeneratedRegex(@"^sha256:[a-f0-9]{64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Regex();

    [GeneratedRegex(@"^sha512:[a-f0-9]{128}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Sha512Regex();

    [GeneratedRegex(@"^sha256-[a-f0-9]{64}\.(?:sig|att)\z", RegexOptions.CultureInvariant)]
    private static partial Regex CosignTagRegex();

    [Fact]
    public void Every_string_of_up_to_five_characters_is_judged_as_the_regexes_judge_it()
    {
        foreach (var text in AllStrings(5))
        {
            AssertAgrees(text);
        }
    }

    [Fact]
    public void Random_names_tags_and_digests_are_judged_as_the_regexes_judge_them()
    {
        var random = new Random(8);
        for (var i = 0; i < 200_000; i++)
        {
            AssertAgrees(RandomCandidate(random));
        }
    }

    private static void AssertAgrees(string text)
    {
        Assert.True(OracleName(text) == OciGrammar.IsName(text), $"name '{text}'");
        Assert.True(TagRegex().IsMatch(text) == OciGrammar.IsTag(text), $"tag '{text}'");
        Assert.True(OracleDigest(text) == OciGrammar.IsDigest(text), $"digest '{text}'");
        Assert.True(CosignTagRegex().IsMatch(text) == OciGrammar.IsCosignTag(text), $"cosign tag '{text}'");
    }

    private static bool OracleName(string name) => name.Length <= OciGrammar.MaxNameLength && NameRegex().IsMatch(name);

    private static bool OracleDigest(string digest)
    {
        if (digest.Length > OciGrammar.MaxDigestLength || !DigestRegex().IsMatch(digest))
        {
            return false;
        }

        if (digest.StartsWith("sha256:", StringComparison.Ordinal))
        {
            return Sha256Regex().IsMatch(digest);
        }

        return !digest.StartsWith("sha512:", StringComparison.Ordinal) || Sha512Regex().IsMatch(digest);
    }

    private static IEnumerable<string> AllStrings(int maxLength)
    {
        IEnumerable<string> level = [string.Empty];
        for (var length = 0; length <= maxLength; length++)
        {
            var next = new List<string>();
            foreach (var text in level)
            {
                yield return text;
                if (length < maxLength)
                {
                    next.AddRange(Alphabet.Select(c => text + c));
                }
            }

            level = next;
        }
    }

    /// <summary>Mostly near-valid strings: real shapes with a few characters changed, and lengths around the limits.</summary>
    private static string RandomCandidate(Random random)
    {
        var hex = Convert.ToHexStringLower(random.GetItems<byte>([.. Enumerable.Range(0, 256).Select(b => (byte)b)], random.Next(30, 66)));
        var shape = random.Next(8) switch
        {
            0 => "sha256:" + hex,
            1 => "sha512:" + hex + hex,
            2 => "sha256-" + hex + (random.Next(2) == 0 ? ".sig" : ".att"),
            3 => string.Join('/', Enumerable.Range(0, random.Next(1, 4)).Select(_ => Segment(random))),
            4 => Segment(random) + "+" + Segment(random) + ":" + hex.ToUpperInvariant() + "=_-",
            5 => new string('a', random.Next(120, 260)),
            6 => "v" + random.Next(100) + "." + random.Next(100) + "-rc_" + hex,
            _ => new string([.. Enumerable.Range(0, random.Next(1, 20)).Select(_ => Alphabet[random.Next(Alphabet.Length)])]),
        };

        var chars = shape.ToCharArray();
        for (var edits = random.Next(3); edits > 0 && chars.Length > 0; edits--)
        {
            chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
        }

        return new string(chars);
    }

    private static string Segment(Random random)
    {
        string[] parts = ["a", "b0", "k8s", ".", "_", "__", "-", "--", "x"];
        return string.Concat(Enumerable.Range(0, random.Next(1, 6)).Select(_ => parts[random.Next(parts.Length)]));
    }
}
