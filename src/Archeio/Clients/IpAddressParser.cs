using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Archeio.Clients;

/// <summary>
/// Strict IP literal parsing for untrusted header values. <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>
/// accepts forms no proxy writes and that would let a client pick an address by spelling
/// (<c>1</c> → 0.0.0.1, <c>0x23.180.1.1</c>, octal <c>043.0.0.1</c>, <c>::1%eth0</c>, <c>[::1]</c>);
/// only dotted-quad IPv4 (RFC 791 textual form, no leading zeros) and RFC 4291 §2.2 IPv6 text pass here.
/// IPv4-mapped IPv6 addresses are returned as IPv4.
/// </summary>
internal static class IpAddressParser
{
    public static bool TryParse(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        if (text.IsEmpty || text.Length > 45)
        {
            return false;
        }

        if (text.Contains(':'))
        {
            foreach (var c in text)
            {
                if (!(char.IsAsciiHexDigit(c) || c is ':' or '.'))
                {
                    return false;
                }
            }

            if (!IPAddress.TryParse(text, out var v6) || v6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return false;
            }

            address = Normalize(v6);
            return true;
        }

        return TryParseDottedQuad(text, out address);
    }

    /// <summary>Treats <c>::ffff:a.b.c.d</c> as <c>a.b.c.d</c> everywhere (dual-stack sockets report IPv4 peers that way).</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static bool TryParseDottedQuad(ReadOnlySpan<char> text, [NotNullWhen(true)] out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        var part = 0;
        var value = 0;
        var digits = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '.')
            {
                if (digits == 0 || part > 3)
                {
                    return false;
                }

                bytes[part++] = (byte)value;
                value = 0;
                digits = 0;
                continue;
            }

            var c = text[i];
            if (!char.IsAsciiDigit(c) || (digits == 1 && value == 0) || ++digits > 3)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
            if (value > 255)
            {
                return false;
            }
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }
}
