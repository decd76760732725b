using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Archeio.Configuration;

namespace Archeio.RateLimiting;

/// <summary>
/// One partition of one limit: the limit's index, what is counted and its value (an IPv4 address or /24 as a number in
/// the low 32 bits, an IPv6 address or /56 in all 128, an ASN). A value type compared by value: the partitioned
/// limiter's dictionary key, with no string or <see cref="IPAddress"/> kept per client.
/// </summary>
internal readonly record struct RateLimitKey(int Limit, ClientPartition Kind, UInt128 Value, bool IsV6)
{
    /// <summary>The partition of <paramref name="address"/> (IPv4-mapped IPv6 as IPv4) for an address or network limit.</summary>
    public static RateLimitKey Of(int limit, ClientPartition kind, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        if (address.AddressFamily == AddressFamily.InterNetwork && written == 4)
        {
            var v4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            // A /24: the network a provider gives one customer at the least.
            return new(limit, kind, kind == ClientPartition.Network ? v4 & 0xFFFF_FF00u : v4, IsV6: false);
        }

        var v6 = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        // A /56: what RIPE-690 recommends a provider assign one site; clients hold the whole of it.
        return new(limit, kind, kind == ClientPartition.Network ? v6 & (UInt128.MaxValue << 72) : v6, IsV6: true);
    }

    /// <summary>The partition of an autonomous system.</summary>
    public static RateLimitKey OfAsn(int limit, uint asn) => new(limit, ClientPartition.Asn, asn, IsV6: false);

    /// <summary>The partition as text, for Redis keys: <c>203.0.113.7</c>, <c>203.0.113.0/24</c>, <c>2001:db8::/56</c>, <c>AS64496</c>.</summary>
    public override string ToString()
    {
        if (Kind == ClientPartition.Asn)
        {
            return "AS" + ((uint)Value).ToString(CultureInfo.InvariantCulture);
        }

        Span<byte> bytes = stackalloc byte[16];
        IPAddress address;
        if (IsV6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
            address = new IPAddress(bytes);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Value);
            address = new IPAddress(bytes[..4]);
        }

        return Kind == ClientPartition.Network ? string.Concat(address.ToString(), IsV6 ? "/56" : "/24") : address.ToString();
    }
}
