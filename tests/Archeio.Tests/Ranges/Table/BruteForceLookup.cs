using System.Net;
using System.Net.Sockets;
using Archeio.Ranges.Table;

namespace Archeio.Tests.Ranges.Table;

/// <summary>
/// Test oracle for <see cref="IpRangeTable"/>: the obvious longest-prefix match, written without
/// sharing code with it. Prefixes are kept per family and per length in dictionaries keyed by the
/// masked network, and a lookup masks the address to each present length, longest first; the first
/// hit is the most specific containing prefix. Same rules as the table: for an identical prefix the
/// first one given wins unless it is <c>GLOBAL</c> and a later one is not; IPv4-mapped IPv6
/// addresses (and prefixes within <c>::ffff:0:0/96</c>) count as IPv4.
/// </summary>
internal sealed class BruteForceLookup
{
    private readonly Dictionary<int, Dictionary<UInt128, CloudLocation>> _v4 = [];
    private readonly Dictionary<int, Dictionary<UInt128, CloudLocation>> _v6 = [];
    private readonly int[] _v4Lengths;
    private readonly int[] _v6Lengths;

    public BruteForceLookup(IEnumerable<CloudPrefix> prefixes)
    {
        foreach (var prefix in prefixes)
        {
            var bytes = prefix.Network.BaseAddress.GetAddressBytes();
            var length = prefix.Network.PrefixLength;
            if (bytes.Length == 16 && length >= 96 && IsMapped(bytes))
            {
                bytes = bytes[12..];
                length -= 96;
            }

            var byLength = bytes.Length == 4 ? _v4 : _v6;
            if (!byLength.TryGetValue(length, out var networks))
            {
                networks = [];
                byLength.Add(length, networks);
            }

            var key = Mask(ToInteger(bytes), length, bytes.Length * 8);
            if (!networks.TryGetValue(key, out var existing) || (IsGlobal(existing) && !IsGlobal(prefix.Location)))
            {
                networks[key] = prefix.Location;
            }
        }

        _v4Lengths = [.. _v4.Keys.OrderDescending()];
        _v6Lengths = [.. _v6.Keys.OrderDescending()];
    }

    /// <summary>Distinct prefixes held, IPv4 and IPv6.</summary>
    public int Count => _v4.Values.Sum(d => d.Count) + _v6.Values.Sum(d => d.Count);

    public CloudLocation? Lookup(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var (byLength, lengths, width) = v4 ? (_v4, _v4Lengths, 32) : (_v6, _v6Lengths, 128);
        var value = ToInteger(address.GetAddressBytes());
        foreach (var length in lengths)
        {
            if (byLength[length].TryGetValue(Mask(value, length, width), out var location))
            {
                return location;
            }
        }

        return null;
    }

    private static bool IsMapped(byte[] bytes) =>
        bytes[..10].All(b => b == 0) && bytes[10] == 0xFF && bytes[11] == 0xFF;

    private static bool IsGlobal(CloudLocation location) => location.Region == "GLOBAL";

    private static UInt128 ToInteger(byte[] bytes)
    {
        var value = UInt128.Zero;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        return value;
    }

    /// <summary>Keeps the top <paramref name="length"/> of <paramref name="width"/> bits.</summary>
    private static UInt128 Mask(UInt128 value, int length, int width)
    {
        var hostBits = width - length;

        // UInt128 shifts are taken modulo 128, so clearing all 128 bits is its own case.
        return hostBits >= 128 ? UInt128.Zero : value >> hostBits << hostBits;
    }
}
