using System.Net;
using System.Text;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 3: a client cannot choose the location (and so the cloud that pays for its traffic) through
/// <c>X-Forwarded-For</c>, against the real process over raw sockets (<see cref="SpoofingBed"/>). The unit tests of
/// <c>ClientIpResolver</c> (tests/Archeio.Tests/Clients) cover the parsing; these check the whole path from the
/// wire (Kestrel's header handling, several header lines, the dual-stack peer address) to the redirect.
/// </summary>
public sealed class SpoofingTests(SpoofingBed bed) : IClassFixture<SpoofingBed>
{
    /// <summary>AWS eu-west-3 (35.180.0.0/16, 2a05:d050:2000::/40 in the real ranges).</summary>
    private const string Aws = "35.180.1.1";

    private const string Aws6 = "2a05:d050:2000::1";

    /// <summary>GCP (35.220.26.0/24, 2600:1900:8000::/44).</summary>
    private const string Gcp = "35.220.26.1";

    private const string Gcp6 = "2600:1900:8000::1";

    /// <summary>In no cloud.</summary>
    private const string Home = "192.168.0.1";

    /// <summary>
    /// Raw header lines (CRLF-separated) a client outside <c>TrustedNetworks</c> sends. Every one must be ignored: the
    /// decision is the peer's own (127.0.0.1 or ::1, in no cloud → <c>elsewhere</c>), or Kestrel refuses the request.
    /// </summary>
    public static TheoryData<string, string> UntrustedCases => new()
    {
        { $"X-Forwarded-For: {Aws}", "elsewhere" },
        { $"X-Forwarded-For: {Gcp}", "elsewhere" },
        { $"X-Forwarded-For: {Aws}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Gcp}, 10.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws}, {Aws}, {Aws}", "elsewhere" },
        // Appended after the peer, or claiming to come through a trusted proxy.
        { $"X-Forwarded-For: 127.0.0.1, {Aws}", "elsewhere" },
        { $"X-Forwarded-For: 10.0.0.1, {Aws}, 10.0.0.2", "elsewhere" },
        { $"X-Forwarded-For: {Home}, {Gcp}, {Aws}", "elsewhere" },
        // Several header lines, and the name in other cases.
        { $"X-Forwarded-For: {Aws}\r\nX-Forwarded-For: 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws}\r\nX-Forwarded-For: {Aws}\r\nX-Forwarded-For: {Aws}", "elsewhere" },
        { $"x-forwarded-for: {Aws}, 10.0.0.1", "elsewhere" },
        { $"X-FORWARDED-FOR: {Gcp}, 10.0.0.1", "elsewhere" },
        // IPv6 and IPv4-mapped IPv6, in every spelling.
        { $"X-Forwarded-For: {Aws6}, 10.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Gcp6}, 10.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: ::ffff:{Aws}, 10.0.0.1", "elsewhere" },
        { "X-Forwarded-For: ::ffff:23b4:101, 10.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: [{Aws6}]:443, 10.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws}:443, 10.0.0.1", "elsewhere" },
        // Junk that a lenient parser would read as an address, or that should fail the request if it were read.
        { "X-Forwarded-For: 0x23.180.1.1, 10.0.0.1", "elsewhere" },
        { "X-Forwarded-For: 599785729, 10.0.0.1", "elsewhere" },
        { "X-Forwarded-For: unknown", "elsewhere" },
        { "X-Forwarded-For: ", "elsewhere" },
        { "X-Forwarded-For: ,,,,", "elsewhere" },
        { "X-Forwarded-For: " + string.Join(", ", Enumerable.Repeat(Aws, 500)), "elsewhere" },
        // Other headers some proxies read: never Archeio.
        { $"Forwarded: for={Aws}", "elsewhere" },
        { $"Forwarded: for=\"[{Aws6}]\";proto=https, for={Aws}", "elsewhere" },
        { $"X-Real-IP: {Aws}\r\nTrue-Client-IP: {Aws}\r\nCF-Connecting-IP: {Aws}\r\nX-Client-IP: {Aws}", "elsewhere" },
        { $"X-Original-Forwarded-For: {Aws}, 10.0.0.1\r\nX-Forwarded-Host: {Aws}", "elsewhere" },
        // Malformed on the wire: Kestrel refuses them before Archeio sees a header (RFC 9112 §5.1, §5.2).
        { $"X-Forwarded-For : {Aws}, 10.0.0.1", "status 400" },
        { $"X-Forwarded-For: 127.0.0.1,\r\n {Aws}", "status 400" },
    };

    [Theory]
    [MemberData(nameof(UntrustedCases))]
    public async Task Outside_the_trusted_networks_the_header_is_ignored(string headerLines, string expected)
    {
        // Both peer families: the IPv4 peer arrives as ::ffff:127.0.0.1 on the dual-stack socket.
        Assert.Equal(expected, await bed.DecisionAsync(bed.Untrusted, headerLines));
        Assert.Equal(expected, await bed.DecisionAsync(bed.Untrusted, headerLines, IPAddress.IPv6Loopback));
    }

    /// <summary>
    /// Raw header lines as a Google Cloud load balancer forwards them: whatever the client sent, then
    /// <c>&lt;client&gt;, &lt;lb&gt;</c> appended. Only the real client entry counts.
    /// </summary>
    public static TheoryData<string, string> GoogleCases => new()
    {
        // The honest cases: the header is honoured from the trusted peer.
        { $"X-Forwarded-For: {Aws}, 127.0.0.1", "aws" },
        { $"X-Forwarded-For: {Gcp}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws6}, 127.0.0.1", "aws" },
        { $"X-Forwarded-For: {Gcp6}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: ::ffff:{Aws}, 127.0.0.1", "aws" },
        // Fake entries prepended by the client.
        { $"X-Forwarded-For: {Aws}, {Gcp}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: {Gcp}, {Aws}, {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws}, {Aws}, {Aws}, {Aws}, {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws6}, ::ffff:{Aws}, {Gcp6}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: {Gcp}, {Aws6}, 127.0.0.1", "aws" },
        { $"X-Forwarded-For: {Aws}, 2001:db8::1, 127.0.0.1", "elsewhere" },
        { "X-Forwarded-For: " + string.Join(", ", Enumerable.Repeat(Aws, 500)) + $", {Home}, 127.0.0.1", "elsewhere" },
        // Fake entries that are not addresses: never parsed, so they cannot fail the request either.
        { $"X-Forwarded-For: garbage, {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Aws},, {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: ,,,, {Gcp}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: [{Aws}]:80, \"{Aws}\", for={Aws}, {Home}, 127.0.0.1", "elsewhere" },
        // Extra header lines before the load balancer's.
        { $"X-Forwarded-For: {Aws}\r\nX-Forwarded-For: {Gcp}, 127.0.0.1", "gcp" },
        { $"X-Forwarded-For: {Aws}, {Aws}\r\nX-Forwarded-For: {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: {Gcp}\r\nX-Forwarded-For: {Gcp}\r\nX-Forwarded-For: {Aws}, {Home}, 127.0.0.1", "elsewhere" },
        { $"X-Forwarded-For: garbage\r\nX-Forwarded-For: {Aws}, 127.0.0.1", "aws" },
        // Other forwarding headers do not override the load balancer's entry.
        { $"Forwarded: for={Aws}\r\nX-Real-IP: {Aws}\r\nX-Forwarded-For: {Home}, 127.0.0.1", "elsewhere" },
        // Too few entries from a trusted peer (the load balancer always appends two): refused, not guessed.
        { $"X-Forwarded-For: {Aws}", "status 400" },
    };

    [Theory]
    [MemberData(nameof(GoogleCases))]
    public async Task Behind_the_load_balancer_prepended_entries_change_nothing(string headerLines, string expected)
    {
        Assert.Equal(expected, await bed.DecisionAsync(bed.Google, headerLines));
    }

    [Fact]
    public async Task Behind_the_load_balancer_an_IPv6_peer_outside_the_trusted_networks_is_not_believed()
    {
        // 127.0.0.0/8 is trusted; ::1 is not in it, so its header is ignored like anyone's.
        Assert.Equal("elsewhere", await bed.DecisionAsync(bed.Google, $"X-Forwarded-For: {Aws}, 127.0.0.1", IPAddress.IPv6Loopback));
    }

    /// <summary>Generated requests per server in <see cref="Generated_header_shapes_never_move_the_decision"/>.</summary>
    private const int GeneratedCases = 1000;

    private static readonly string[] FakeEntries =
    [
        Aws, Gcp, Home, Aws6, Gcp6, "::ffff:" + Aws, "::ffff:" + Gcp, "127.0.0.1", "10.0.0.1", "::1", "0x23.b4.1.1", "035.180.1.1",
        Aws + ":443", "[" + Aws6 + "]", "[" + Aws6 + "]:443", "unknown", "", " ", "for=" + Aws, "\"" + Aws + "\"", Aws + "%eth0", "1",
    ];

    private static readonly string[] HeaderNames = ["X-Forwarded-For", "x-forwarded-for", "X-FORWARDED-FOR", "x-Forwarded-FOR"];

    private static readonly (string Address, string Decision)[] RealClients =
        [(Aws, "aws"), (Gcp, "gcp"), (Home, "elsewhere"), (Aws6, "aws"), (Gcp6, "gcp"), ("::ffff:" + Aws, "aws"), ("2001:db8::1", "elsewhere")];

    [Fact]
    public async Task Generated_header_shapes_never_move_the_decision()
    {
        // Fixed seed: a failure names its case and reproduces. Fake parts are 0-5 lines of 0-6 entries each, with the
        // header name in any case; the Google case appends "<client>, <lb>" on the last line, as the load balancer does.
        var random = new Random(20260901);
        var failures = new List<string>();
        for (var i = 0; i < GeneratedCases; i++)
        {
            var fakes = FakeLines(random);
            var untrusted = string.Join("\r\n", fakes);
            var fromIPv6 = random.Next(2) == 0;
            var got = await bed.DecisionAsync(bed.Untrusted, untrusted, fromIPv6 ? IPAddress.IPv6Loopback : IPAddress.Loopback);
            if (got != "elsewhere")
            {
                failures.Add($"untrusted, from {(fromIPv6 ? "::1" : "127.0.0.1")}: {Escape(untrusted)} → {got}");
            }

            var (client, expected) = RealClients[random.Next(RealClients.Length)];
            var last = fakes.Count > 0 && random.Next(2) == 0 ? fakes[^1] + ", " : HeaderNames[random.Next(HeaderNames.Length)] + ": ";
            var google = string.Join("\r\n", fakes.Take(last.EndsWith(", ", StringComparison.Ordinal) ? fakes.Count - 1 : fakes.Count).Append($"{last}{client}, 127.0.0.1"));
            got = await bed.DecisionAsync(bed.Google, google);
            if (got != expected)
            {
                failures.Add($"google: {Escape(google)} → {got}, expected {expected}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {2 * GeneratedCases} generated requests moved the decision:\n" + string.Join('\n', failures.Take(20)));
    }

    private static List<string> FakeLines(Random random)
    {
        var lines = new List<string>();
        for (var line = random.Next(6); line > 0; line--)
        {
            var entries = Enumerable.Range(0, random.Next(1, 7)).Select(_ => FakeEntries[random.Next(FakeEntries.Length)]);
            lines.Add(HeaderNames[random.Next(HeaderNames.Length)] + ": " + string.Join(random.Next(2) == 0 ? ", " : ",", entries));
        }

        return lines;
    }

    private static string Escape(string headerLines) => new StringBuilder(headerLines).Replace("\r\n", " ⏎ ").ToString();
}
