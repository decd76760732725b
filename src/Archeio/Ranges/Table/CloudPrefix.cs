using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Archeio.Ranges.Table;

/// <summary>
/// One published prefix and the location it belongs to, held as numbers: the network address in host order (an IPv4
/// one in the low 32 bits), its length and its family. No <see cref="IPAddress"/> is kept per prefix.
/// </summary>
/// <remarks>
/// Why not an <see cref="IPNetwork"/>: its <see cref="IPAddress"/> is an object (two, for IPv6), so the three clouds'
/// 32,529 prefixes were as many small objects decoded at every start from the snapshots and kept alive for the next
/// refresh — garbage that set off a full collection in the middle of the start, and heap that every collection since
/// had to walk (docs/performance.md, "Where the cold start goes"). <see cref="Network"/> still gives the
/// <see cref="IPNetwork"/>, built when asked (for tools and tests, never on the start's or the request's path).
/// </remarks>
internal readonly record struct CloudPrefix
{
    private CloudPrefix(UInt128 address, int length, bool isIPv4, CloudLocation location)
    {
        Address = address;
        Length = length;
        IsIPv4 = isIPv4;
        Location = location;
    }

    /// <param name="network">The prefix, canonical (no host bits set: <see cref="IPNetwork"/> refuses them).</param>
    /// <param name="location">The cloud and region the provider assigns to it.</param>
    public CloudPrefix(IPNetwork network, CloudLocation location)
    {
        ArgumentNullException.ThrowIfNull(network.BaseAddress, nameof(network));
        Span<byte> bytes = stackalloc byte[16];
        _ = network.BaseAddress.TryWriteBytes(bytes, out var written);
        IsIPv4 = written == 4;
        Address = IsIPv4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
        Length = network.PrefixLength;
        Location = location;
    }

    /// <summary>The network address in host order (<c>1.2.3.0</c> is <c>0x01020300</c>); an IPv4 one in the low 32 bits.</summary>
    public UInt128 Address { get; }

    /// <summary>The prefix length, 0–32 for IPv4, 0–128 for IPv6.</summary>
    public int Length { get; }

    /// <summary>Whether this is an IPv4 prefix (IPv4-mapped IPv6 prefixes are IPv6 here, as listed).</summary>
    public bool IsIPv4 { get; }

    /// <summary>The cloud and region the provider assigns to the prefix (null only in <c>default</c>).</summary>
    public CloudLocation Location { get; }

    /// <summary>The prefix as an <see cref="IPNetwork"/> (allocates: not for hot paths).</summary>
    public IPNetwork Network
    {
        get
        {
            Span<byte> bytes = stackalloc byte[16];
            if (IsIPv4)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Address);
                return new IPNetwork(new IPAddress(bytes[..4]), Length);
            }

            BinaryPrimitives.WriteUInt128BigEndian(bytes, Address);
            return new IPNetwork(new IPAddress(bytes), Length);
        }
    }

    /// <summary>The address family of <see cref="Network"/>.</summary>
    public AddressFamily Family => IsIPv4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;

    /// <summary>
    /// The prefix <paramref name="address"/>/<paramref name="length"/>, or false when the length does not fit the
    /// family or host bits are set (what <see cref="IPNetwork"/>'s constructor refuses), for decoders that read numbers.
    /// </summary>
    public static bool TryCreate(bool isIPv4, UInt128 address, int length, CloudLocation location, out CloudPrefix prefix)
    {
        var width = isIPv4 ? 32 : 128;
        prefix = default;
        if (length < 0 || length > width || (isIPv4 && address > uint.MaxValue)
            || (address & (isIPv4 ? IntervalMap<uint>.HostMask(length) : IntervalMap<UInt128>.HostMask(length))) != UInt128.Zero)
        {
            return false;
        }

        prefix = new CloudPrefix(address, length, isIPv4, location);
        return true;
    }

    public override string ToString() => $"{Network} {Location}";
}
