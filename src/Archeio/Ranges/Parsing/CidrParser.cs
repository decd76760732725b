using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Archeio.Ranges.Parsing;

/// <summary>
/// Strict CIDR parsing for published range files.
/// </summary>
/// <remarks>
/// <see cref="IPNetwork.TryParse(ReadOnlySpan{char}, out IPNetwork)"/> and
/// <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> accept the legacy
/// <c>inet_aton</c> forms (<c>1.2.3</c> means <c>1.2.0.3</c>, <c>0x7f.1</c>, leading-zero octets) and
/// IPv6 scope ids or brackets. None of those appear in a well-formed provider file, so accepting them
/// would only turn a corrupted download into silently wrong ranges. This parser takes exactly
/// dotted-quad IPv4 or RFC 4291 text IPv6, a slash, and a decimal prefix length in range.
/// Host bits beyond the prefix length are masked rather than rejected: the providers document CIDR
/// blocks, and a non-canonical block still unambiguously names its network.
/// </remarks>
internal static class CidrParser
{
    /// <summary>Parses <c>address/length</c>; <paramref name="hostBitsMasked"/> tells whether the address was not canonical.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out IPNetwork network, out bool hostBitsMasked)
    {
        network = default;
        hostBitsMasked = false;

        var slash = text.IndexOf('/');
        if (slash <= 0 || slash != text.LastIndexOf('/'))
        {
            return false;
        }

        var addressText = text[..slash];
        if (!TryParseLength(text[(slash + 1)..], out var length))
        {
            return false;
        }

        if (addressText.Contains(':'))
        {
            if (length > 128 || !TryParseIPv6(addressText, out var value))
            {
                return false;
            }

            var masked = length == 0 ? UInt128.Zero : value & (UInt128.MaxValue << (128 - length));
            hostBitsMasked = masked != value;
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, masked);
            network = new IPNetwork(new IPAddress(bytes), length);
            return true;
        }

        if (length > 32 || !TryParseIPv4(addressText, out var v4))
        {
            return false;
        }

        var maskedV4 = length == 0 ? 0u : v4 & (uint.MaxValue << (32 - length));
        hostBitsMasked = maskedV4 != v4;
        Span<byte> v4Bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(v4Bytes, maskedV4);
        network = new IPNetwork(new IPAddress(v4Bytes), length);
        return true;
    }

    /// <summary>Exactly four decimal octets 0-255, no leading zeros (which <c>inet_aton</c> reads as octal).</summary>
    public static bool TryParseIPv4(ReadOnlySpan<char> text, out uint value)
    {
        value = 0;
        for (var octet = 0; octet < 4; octet++)
        {
            var end = octet < 3 ? text.IndexOf('.') : text.Length;
            if (end < 0 || !TryParseDecimal(text[..end], 255, out var part))
            {
                return false;
            }

            value = (value << 8) | (uint)part;
            text = octet < 3 ? text[(end + 1)..] : [];
        }

        return true;
    }

    /// <summary>RFC 4291 text only: no scope id, brackets or port; an embedded IPv4 tail is dotted-quad.</summary>
    public static bool TryParseIPv6(ReadOnlySpan<char> text, out UInt128 value)
    {
        value = UInt128.Zero;

        // Only hex digits, colons and (for an embedded IPv4 tail) dots: this rules out the scope ids,
        // brackets and ports that IPAddress.TryParse tolerates.
        foreach (var c in text)
        {
            if (!char.IsAsciiHexDigit(c) && c != ':' && c != '.')
            {
                return false;
            }
        }

        // IPAddress.TryParse reads an embedded IPv4 tail leniently (leading zeros), so check it here.
        var lastColon = text.LastIndexOf(':');
        var tail = text[(lastColon + 1)..];
        if (tail.Contains('.') && !TryParseIPv4(tail, out _))
        {
            return false;
        }

        if (!IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out _);
        value = BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    private static bool TryParseLength(ReadOnlySpan<char> text, out int length) => TryParseDecimal(text, 128, out length);

    /// <summary>1-3 ASCII digits, no sign, no whitespace, no leading zero, at most <paramref name="max"/>.</summary>
    private static bool TryParseDecimal(ReadOnlySpan<char> text, int max, out int value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 3 || (text.Length > 1 && text[0] == '0'))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return value <= max;
    }
}
