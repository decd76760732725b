using System.Net;
using Archeio.Clients;
using Archeio.Configuration;
using Microsoft.Extensions.Primitives;

namespace Archeio.Tests.Clients;

public sealed class ClientIpResolverTests
{
    private const string Peer = "10.0.0.1";

    /// <summary>Columns: ForwardedForSkip, peer, X-Forwarded-For lines ("|" separates lines), expected client or null for an error.</summary>
    public static TheoryData<int, string?, string?, string?> Cases => new()
    {
        // No header: the TCP peer.
        { 1, Peer, null, Peer },
        { 1, Peer, "", Peer },
        { 1, Peer, "  ", Peer },
        { 1, "::ffff:" + Peer, null, Peer },
        { 1, null, null, null },
        // Google convention: [<supplied>,]<client>,<lb>.
        { 1, Peer, "1.1.1.1,2.2.2.2", "1.1.1.1" },
        { 1, Peer, "9.9.9.9, 1.1.1.1, 2.2.2.2", "1.1.1.1" },
        { 1, Peer, "spoofed junk, 1.1.1.1, 2.2.2.2", "1.1.1.1" },
        { 1, Peer, "1.1.1.1", null },
        { 1, Peer, "bogus, 2.2.2.2", null },
        { 1, Peer, "1.1.1.1 , 2.2.2.2", "1.1.1.1" },
        { 1, Peer, "\t1.1.1.1\t,2.2.2.2", "1.1.1.1" },
        { 1, Peer, ",2.2.2.2", null },
        { 1, Peer, "1.1.1.1,", "1.1.1.1" },
        { 1, Peer, "2001:db8::1, 2.2.2.2", "2001:db8::1" },
        { 1, Peer, "::ffff:1.1.1.1, 2.2.2.2", "1.1.1.1" },
        // Several lines are one list, in order.
        { 1, Peer, "1.1.1.1|2.2.2.2", "1.1.1.1" },
        { 1, Peer, "9.9.9.9|1.1.1.1, 2.2.2.2", "1.1.1.1" },
        { 1, Peer, "9.9.9.9, 1.1.1.1|2.2.2.2", "1.1.1.1" },
        { 2, Peer, "1.1.1.1|2.2.2.2|3.3.3.3", "1.1.1.1" },
        // Skip 0: the rightmost entry (a single proxy that appends the peer).
        { 0, Peer, "1.1.1.1", "1.1.1.1" },
        { 0, Peer, "9.9.9.9, 1.1.1.1", "1.1.1.1" },
        // Skip 2: two proxies.
        { 2, Peer, "1.1.1.1, 2.2.2.2, 3.3.3.3", "1.1.1.1" },
        { 2, Peer, "2.2.2.2, 3.3.3.3", null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Resolves(int skip, string? peer, string? forwardedFor, string? expected)
    {
        var resolver = new ClientIpResolver(new ClientIpSettings(skip, []));

        var result = resolver.Resolve(peer is null ? null : IPAddress.Parse(peer), Lines(forwardedFor));

        Assert.Equal(expected, result.Address?.ToString());
        Assert.Equal(expected is null, result.Error is not null);
    }

    /// <summary>Columns: peer, X-Forwarded-For, expected client. Trusted: 10.0.0.0/8 and fd00::/8.</summary>
    public static TheoryData<string, string, string> TrustedCases => new()
    {
        // A trusted proxy's header is honoured.
        { "10.1.2.3", "1.1.1.1, 10.0.0.9", "1.1.1.1" },
        { "::ffff:10.1.2.3", "1.1.1.1, 10.0.0.9", "1.1.1.1" },
        { "fd00::5", "1.1.1.1, 10.0.0.9", "1.1.1.1" },
        // Anyone else cannot choose a location through the header: the peer is the client.
        { "35.180.1.1", "35.220.26.1, 10.0.0.9", "35.180.1.1" },
        { "192.168.0.1", "bogus", "192.168.0.1" },
        { "2001:db8::1", "35.220.26.1, 10.0.0.9", "2001:db8::1" },
    };

    [Theory]
    [MemberData(nameof(TrustedCases))]
    public void Honours_the_header_only_from_trusted_networks(string peer, string forwardedFor, string expected)
    {
        var resolver = new ClientIpResolver(new ClientIpSettings(1, [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("fd00::/8")]));

        var result = resolver.Resolve(IPAddress.Parse(peer), forwardedFor);

        Assert.Equal(expected, result.Address?.ToString());
    }

    [Fact]
    public void A_missing_peer_is_never_trusted()
    {
        var resolver = new ClientIpResolver(new ClientIpSettings(1, [IPNetwork.Parse("0.0.0.0/0")]));

        var result = resolver.Resolve(null, "1.1.1.1, 2.2.2.2");

        Assert.Null(result.Address);
        Assert.NotNull(result.Error);
    }

    private static StringValues Lines(string? value) => value is null ? StringValues.Empty : new StringValues(value.Split('|'));
}
