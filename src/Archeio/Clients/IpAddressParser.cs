using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using Archeio.Ranges.Parsing;

namespace Archeio.Clients;

/// <summary>
/// Strict IP literal parsing for untrusted header values. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// accepts forms no proxy writes and that would let a client pick an address by spelling
/// (<c>1</c> → 0.0.0.1, <c>0x23.180.1.1</c>, octal <c>043.0.0.1</c>, <c>::1%eth0</c>, <c>[::1]</c>);
/// only dotted-quad IPv4 without leading zeros and RFC 4291 §2.2 IPv6 text pass here, by the same
/// rules as the range files (<see cref="CidrParser"/>). IPv4-mapped IPv6 addresses are returned as IPv4.
/// </summary>
internal static class IpAddressParser
{
    /// <summary>The longest IPv6 text form (with an embedded IPv4 tail) is 45 characters.</summary>
    private const int MaxLength = 45;

    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Length > MaxLength)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            if (!CidrParser.TryParseIPv6(text, out var v6))
            {
                return false;
            }

            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, v6);
            address = Normalize(new IPAddress(bytes));
            return true;
        }

        if (!CidrParser.TryParseIPv4(text, out var v4))
        {
            return false;
        }

        Span<byte> v4Bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v4Bytes, v4);
        address = new IPAddress(v4Bytes);
        return true;
    }

    /// <summary>Treats <c>::ffff:a.b.c.d</c> as <c>a.b.c.d</c> everywhere (dual-stack sockets report IPv4 peers that way).</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
