using System.Buffers.Binary;
using System.Net;

namespace Archeio.Geo;

/// <summary>
/// Addresses that are not globally reachable, per the IANA special-purpose address registries
/// (RFC 6890; https://www.iana.org/assignments/iana-ipv4-special-registry/ and
/// https://www.iana.org/assignments/iana-ipv6-special-registry/), plus multicast and the reserved
/// 240.0.0.0/4. No database can say where such an address is: it means a different host on every
/// network. Yet the published data does answer for some of them (geo-whois-asn-country 2.3.2026061719
/// maps 192.168.0.0/16 and 172.16.0.0/12 to AU), so they are answered as unknown before any lookup.
/// </summary>
internal static class NonPublicAddresses
{
    private static readonly (uint Network, int Length)[] V4 =
    [
        (0x00000000, 8),   // 0.0.0.0/8 "this network"
        (0x0A000000, 8),   // 10.0.0.0/8 private (RFC 1918)
        (0x64400000, 10),  // 100.64.0.0/10 shared address space, carrier-grade NAT (RFC 6598)
        (0x7F000000, 8),   // 127.0.0.0/8 loopback
        (0xA9FE0000, 16),  // 169.254.0.0/16 link-local
        (0xAC100000, 12),  // 172.16.0.0/12 private (RFC 1918)
        (0xC0000000, 24),  // 192.0.0.0/24 IETF protocol assignments
        (0xC0000200, 24),  // 192.0.2.0/24 documentation (TEST-NET-1)
        (0xC0A80000, 16),  // 192.168.0.0/16 private (RFC 1918)
        (0xC6120000, 15),  // 198.18.0.0/15 benchmarking
        (0xC6336400, 24),  // 198.51.100.0/24 documentation (TEST-NET-2)
        (0xCB007100, 24),  // 203.0.113.0/24 documentation (TEST-NET-3)
        (0xE0000000, 4),   // 224.0.0.0/4 multicast
        (0xF0000000, 4),   // 240.0.0.0/4 reserved, and 255.255.255.255
    ];

    private static readonly (UInt128 Network, int Length)[] V6 =
    [
        (UInt128.Zero, 128),                                  // ::/128 unspecified
        (UInt128.One, 128),                                   // ::1/128 loopback
        (new UInt128(0x0100_0000_0000_0000, 0), 64),          // 100::/64 discard-only
        (new UInt128(0x2001_0DB8_0000_0000, 0), 32),          // 2001:db8::/32 documentation
        (new UInt128(0x3FFF_0000_0000_0000, 0), 20),          // 3fff::/20 documentation (RFC 9637)
        (new UInt128(0xFC00_0000_0000_0000, 0), 7),           // fc00::/7 unique local
        (new UInt128(0xFE80_0000_0000_0000, 0), 10),          // fe80::/10 link-local
        (new UInt128(0xFF00_0000_0000_0000, 0), 8),           // ff00::/8 multicast
    ];

    /// <summary>Whether <paramref name="address"/> (IPv4-mapped IPv6 counts as its IPv4 address) is not globally reachable.</summary>
    public static bool Contains(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        if (written == 4)
        {
            return Contains(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        var v6 = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return (v6 >> 32) == 0xFFFF ? Contains((uint)v6) : Contains(v6);
    }

    /// <summary>IPv4, host order.</summary>
    public static bool Contains(uint address)
    {
        foreach (var (network, length) in V4)
        {
            if ((address & (uint.MaxValue << (32 - length))) == network)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>IPv6, host order.</summary>
    public static bool Contains(UInt128 address)
    {
        foreach (var (network, length) in V6)
        {
            var mask = length == 128 ? UInt128.MaxValue : ~(UInt128.MaxValue >> length);
            if ((address & mask) == network)
            {
                return true;
            }
        }

        return false;
    }
}
