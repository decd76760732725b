using System.Globalization;
using System.Text;
using Archeio.TestBed;
using CsCheck;

namespace Archeio.Tests.Security;

/// <summary>
/// Generators of hostile requests for the open-redirect and no-5xx properties (issue 9): valid OCI paths
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints) with mutations an attacker
/// would try against a redirector: encoded and double-encoded separators, dot segments, <c>//</c>, backslashes,
/// <c>@</c> and <c>:</c> (authority confusion), raw and encoded unicode, overlong segments, odd query strings,
/// absolute-form targets, odd <c>Host</c> headers and <c>X-Forwarded-For</c> shapes. Every choice is a small integer
/// or a pick from a list, so CsCheck shrinks a failure towards the plain request with the fewest mutations.
/// </summary>
internal static class RequestGen
{
    /// <summary>Digests the test presences hold (see <see cref="OpenRedirectPresence"/>), and some no mirror holds.</summary>
    public static readonly string[] KnownDigests =
    [
        Digests.Pause,
        "sha256:" + new string('b', 64),
        "sha256:" + new string('c', 64),
        Digests.Missing,
        Digests.Sha512,
    ];

    private static readonly string[] Names = ["pause", "kube/pause", "a.b_c__d--e/f-g", "blobs", "manifests/manifests", "x"];

    private static readonly string[] Tags = ["latest", "v1.0_rc-1", "3.9", "A", "_x"];

    /// <summary>Tokens inserted anywhere in the path: each one has fooled some URL parser or path cleaner somewhere.</summary>
    private static readonly string[] PathTokens =
    [
        "%2f", "%2F", "%00", "%5c", "%5C", "%2e", "%2e%2e", "%2E%2E", "%252f", "%252e%252e", "%25", "%", "%zz", "%c0%af", "%e2%80%8b",
        ".", "..", "/.", "/..", "/../", "/./", "//", "///", "\\", "\\\\", "/\\", "\\/",
        "@", "@evil.example", "user:pass@evil.example", ":", "::", ":80", "%40", "%3a", "%3A", ";", ";x=1", "#", "%23",
        "é", "%C3%A9", "\u2215", "\uFF0F", "\u3002", "\uFE52", "\U0001F600", "\u202E", "\u0000", "\t", " ",
        "evil.example", "//evil.example", "http://evil.example", "https:evil.example", "\\\\evil.example", "/%09/evil.example",
        "%0d%0aLocation:%20http://evil.example", "\r\nLocation: http://evil.example", "{digest}", "{name}", "$", "~", "*",
    ];

    private static readonly string[] Queries =
    [
        "", "", "", "?", "??", "?a=http://evil.example", "?next=//evil.example", "?n=10&last=v1.2.3", "#frag", "?#frag", "?x#y",
        "?x=%0d%0aLocation:%20http://evil.example", "?x=\r\nLocation: http://evil.example", "?é=ü", "?a=b c", "?@evil.example",
        "?\\evil.example", "?%00", "?artifactType=application%2Fvnd.dev.cosign", "?" + new string('q', 3000), "?/../../x",
    ];

    private static readonly string[] AbsolutePrefixes =
    [
        "http://evil.example", "https://evil.example", "http://evil.example:80", "http://user@evil.example", "HTTP://EVIL.EXAMPLE",
        "https://upstream.example", "http://127.0.0.1", "//evil.example", "http:/evil.example", "evil.example", "http://[::1]",
        "http://evil.example?", "http://evil.example#", "ftp://evil.example", "javascript:alert(1)//",
    ];

    private static readonly string[] Hosts =
    [
        "registry.example", "registry.example", "evil.example", "evil.example:80", "", "@evil", "user@evil.example", "évil.example",
        "\u0435vil.example", "upstream.example", "evil.example/v2/", "[::1]", "[::1]:8080", "a b", "evil.example, other.example",
        new string('h', 5000),
    ];

    private static readonly string[] ForwardedForValues =
    [
        "35.180.1.1, 130.211.0.1", "35.180.1.1,130.211.0.1", "35.220.26.5, 130.211.0.1", "192.168.0.1, 130.211.0.1", "64.1.2.3, 130.211.0.1",
        "6.6.6.6, 35.180.1.1, 130.211.0.1", "", " ", ",", ",,,", "unknown", "unknown, 130.211.0.1", "[::1]:80, 130.211.0.1",
        "1.2.3.4:80, 130.211.0.1", "01.02.03.04, 130.211.0.1", "0x23.180.1.1, 130.211.0.1", "::ffff:35.180.1.1, 130.211.0.1",
        "fe80::1%eth0, 130.211.0.1", "evil.example, 130.211.0.1", "35.180.1.1/8, 130.211.0.1", "\u00e9, 130.211.0.1",
        "2600:1900:4000::1, 130.211.0.1", string.Join(", ", Enumerable.Repeat("35.180.1.1", 1000)),
    ];

    private static readonly string[] Peers = ["35.180.1.1", "35.220.26.1", "192.168.0.1", "64.0.0.1", "::1", "::ffff:35.180.1.1", "127.0.0.1"];

    private static Gen<string> Pick(string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    /// <summary>A digest: usually one the presences know, sometimes random hex of a valid or invalid length.</summary>
    public static readonly Gen<string> Digest = Gen.Frequency(
        (6, Pick(KnownDigests)),
        (2, Gen.Char["0123456789abcdef"].Array[64].Select(hex => "sha256:" + new string(hex))),
        (1, Gen.Int[0, 130].Select(length => "sha256:" + new string('a', length))),
        (1, Pick(["sha256:" + new string('A', 64), "md5:abc", "sha256-" + new string('a', 64), ":", "sha256:", "sha512:" + new string('f', 128), "sha384+b64:YWJj"])));

    /// <summary>The valid requests of the spec's endpoint table and the fixed paths, before any mutation.</summary>
    public static readonly Gen<string> ValidPath = Gen.Frequency(
        (6, Gen.Select(Pick(Names), Digest, (n, d) => $"/v2/{n}/blobs/{d}")),
        (3, Gen.Select(Pick(Names), Pick(Tags), (n, t) => $"/v2/{n}/manifests/{t}")),
        (2, Gen.Select(Pick(Names), Digest, (n, d) => $"/v2/{n}/manifests/{d}")),
        (1, Gen.Select(Pick(Names), Pick([".sig", ".att"]), (n, s) => $"/v2/{n}/manifests/sha256-{Digests.PauseHex}{s}")),
        (1, Pick(Names).Select(n => $"/v2/{n}/tags/list")),
        (1, Gen.Select(Pick(Names), Digest, (n, d) => $"/v2/{n}/referrers/{d}")),
        (2, Pick(["/", "/privacy", "/v2/", "/v2", "/v2/_catalog", "/privacy/", "/v2foo", "/metrics", "/v2/pause/blobs/uploads/"])));

    /// <summary>One mutation of a path: where (a fraction of its length) and what.</summary>
    private static readonly Gen<Func<string, string>> Mutation = Gen.Frequency(
        // Insert a hostile token at a position.
        (5, Gen.Select(Gen.Int[0, 1000], Pick(PathTokens), (at, token) => (Func<string, string>)(p => p.Insert(Position(p, at), token)))),
        // Replace one '/' with a hostile separator.
        (3, Gen.Select(Gen.Int[0, 1000], Pick(["%2f", "%2F", "\\", "%5c", "//", "/./", "/../", "/%2e%2e/", "/%2e/", "@", ":", "%252f", "/\t/", "\uFF0F"]),
            (at, separator) => (Func<string, string>)(p => ReplaceSlash(p, at, separator)))),
        // Percent-encode (once or twice) the character at a position.
        (2, Gen.Select(Gen.Int[0, 1000], Gen.Bool, (at, twice) => (Func<string, string>)(p => EncodeAt(p, at, twice)))),
        // Upper-case or otherwise change the character at a position.
        (1, Gen.Int[0, 1000].Select(at => (Func<string, string>)(p => ChangeCase(p, at)))),
        // An overlong segment (the name grammar caps names at 255 characters; Kestrel's request line at 8 KiB).
        (1, Gen.Select(Gen.Int[0, 1000], Gen.Int[1, 12000], (at, length) => (Func<string, string>)(p => p.Insert(Position(p, at), "/" + new string('a', length))))),
        // Drop the leading slash, or double it.
        (1, Pick(["", "/"]).Select(lead => (Func<string, string>)(p => lead + p.TrimStart('/')))));

    /// <summary>A raw request target: a valid path, 0 to 3 mutations, a query, sometimes in absolute form.</summary>
    public static readonly Gen<string> Target = Gen.Select(
        ValidPath,
        Gen.Frequency((4, Gen.Const(0)), (3, Gen.Const(1)), (2, Gen.Const(2)), (1, Gen.Const(3))).SelectMany(count => Mutation.Array[count]),
        Pick(Queries),
        Gen.Frequency((8, Gen.Const("")), (2, Pick(AbsolutePrefixes))),
        (path, mutations, query, absolute) => absolute + mutations.Aggregate(path, (p, m) => m(p)) + query);

    /// <summary>Methods: mostly the two allowed, some that must get 405, some a parser must refuse.</summary>
    public static readonly Gen<string> Method = Gen.Frequency(
        (12, Gen.Const("GET")),
        (4, Gen.Const("HEAD")),
        (2, Pick(["POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE", "CONNECT", "get", "Get", "head", "BREW", "GET\u00e9"])));

    /// <summary>Zero to two <c>X-Forwarded-For</c> header lines.</summary>
    private static readonly Gen<string[]> ForwardedFor =
        Gen.Frequency((3, Gen.Const(0)), (5, Gen.Const(1)), (1, Gen.Const(2))).SelectMany(count => Pick(ForwardedForValues).Array[count]);

    /// <summary>The whole request for the in-process property (any <c>Host</c> value, any peer).</summary>
    public static readonly Gen<RequestGenCase> Request = Gen.Select(
        Method,
        Target,
        Gen.Frequency((2, Gen.Const((string?)null)), (6, Pick(Hosts).Select(h => (string?)h))),
        ForwardedFor,
        Pick(Peers),
        (method, target, host, forwardedFor, peer) => new RequestGenCase(method, target, host, forwardedFor, peer));

    /// <summary>
    /// The whole request for the real server: mostly a valid <c>Host</c> (else Kestrel refuses it before Archeio sees
    /// it, and the redirect property would be tested less), the peer always the test's loopback address.
    /// </summary>
    public static readonly Gen<RequestGenCase> SocketRequest = Gen.Select(
        Method,
        Target,
        Gen.Frequency((6, Gen.Const((string?)"registry.example")), (1, Gen.Const((string?)null)), (3, Pick(Hosts).Select(h => (string?)h))),
        ForwardedFor,
        (method, target, host, forwardedFor) => new RequestGenCase(method, target, host, forwardedFor, "127.0.0.1"));

    private static int Position(string path, int at) => path.Length == 0 ? 0 : at * path.Length / 1000;

    private static string ReplaceSlash(string path, int at, string separator)
    {
        var slashes = Enumerable.Range(0, path.Length).Where(i => path[i] == '/').ToArray();
        if (slashes.Length == 0)
        {
            return path;
        }

        var index = slashes[at * (slashes.Length - 1) / 1000];
        return string.Concat(path.AsSpan(0, index), separator, path.AsSpan(index + 1));
    }

    private static string EncodeAt(string path, int at, bool twice)
    {
        if (path.Length == 0)
        {
            return path;
        }

        var index = Math.Min(at * path.Length / 1000, path.Length - 1);
        var encoded = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(path[index].ToString()))
        {
            encoded.Append(twice ? "%25" : "%").Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }

        return string.Concat(path.AsSpan(0, index), encoded.ToString(), path.AsSpan(index + 1));
    }

    private static string ChangeCase(string path, int at)
    {
        if (path.Length == 0)
        {
            return path;
        }

        var index = Math.Min(at * path.Length / 1000, path.Length - 1);
        var c = path[index];
        var changed = char.IsUpper(c) ? char.ToLowerInvariant(c) : char.IsLower(c) ? char.ToUpperInvariant(c) : c == '.' ? '_' : '-';
        return string.Concat(path.AsSpan(0, index), changed.ToString(), path.AsSpan(index + 1));
    }
}
