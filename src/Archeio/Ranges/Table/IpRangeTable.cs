using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Archeio.Ranges.Table;

/// <summary>
/// Immutable address-to-cloud lookup built once from the published prefixes of all clouds.
/// </summary>
/// <remarks>
/// <para>
/// Semantics are longest-prefix match: the most specific prefix containing the address wins. That
/// matters for AWS, whose <c>GLOBAL</c> blocks (e.g. <c>64.252.64.0/18</c>) contain regional ones
/// (<c>64.252.81.0/24</c> in <c>sa-east-1</c>): a client in the regional block should get its region.
/// </para>
/// <para>
/// When the exact same prefix is given more than once (AWS lists a block once per service; two
/// sources could overlap) the first one given wins, except that a region other than
/// <c>GLOBAL</c> always beats <c>GLOBAL</c>, so that rule does not depend on input order.
/// </para>
/// <para>
/// IPv4-mapped IPv6 addresses (<c>::ffff:a.b.c.d</c>, what a dual-stack socket reports for an IPv4
/// client) are looked up as the IPv4 address, and for the same reason IPv6 prefixes inside
/// <c>::ffff:0:0/96</c> are stored as the IPv4 prefixes they denote.
/// </para>
/// <para>
/// IPv4 and IPv6 each get an <see cref="IntervalMap{T}"/>, a sorted array of disjoint intervals
/// searched by binary search (no trie is kept: building sorts the prefixes and sweeps them with a
/// stack, which yields the same intervals); distinct locations are stored once and referenced by index.
/// Lookups do not allocate and are safe to call concurrently.
/// </para>
/// </remarks>
internal sealed class IpRangeTable
{
    private const string GlobalRegion = "GLOBAL";
    private const int MappedPrefixLength = 96;

    // An IPv4-mapped address is ::ffff:a.b.c.d, i.e. 0xFFFF in the 32 bits above the IPv4 address.
    private const ulong MappedHighBits = 0xFFFF;

    private readonly CloudLocation[] _locations;
    private readonly IntervalMap<uint> _v4;
    private readonly IntervalMap<UInt128> _v6;

    private IpRangeTable(CloudLocation[] locations, IntervalMap<uint> v4, IntervalMap<UInt128> v6, int count)
    {
        _locations = locations;
        _v4 = v4;
        _v6 = v6;
        Count = count;
    }

    /// <summary>Number of distinct prefixes (IPv4 and IPv6) in the table.</summary>
    public int Count { get; }

    /// <summary>Number of flattened intervals, gaps included; a measure of the lookup arrays' size.</summary>
    public int IntervalCount => _v4.IntervalCount + _v6.IntervalCount;

    public static IpRangeTable Build(IEnumerable<CloudPrefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(prefixes);

        // Every prefix goes into one array per family, sized once; sorting then brings duplicates together with the
        // winner first, and a sweep keeps it. (Dictionaries growing to tens of thousands of entries were most of the
        // start-up build's time, through their resizes and the collections those caused: perf, docs/performance.md.)
        var list = prefixes as IReadOnlyCollection<CloudPrefix> ?? [.. prefixes];
        var locations = new List<CloudLocation>();
        var global = new List<bool>();
        var locationIndexes = new Dictionary<CloudLocation, int>();
        // Sized from the families: IPv6 prefixes at most; IPv4 ones plus the IPv4-mapped IPv6 ones at most.
        int v6Family = 0, mapped = 0;
        foreach (var prefix in list)
        {
            if (!prefix.IsIPv4)
            {
                v6Family++;
                mapped += IsMappedIPv4(prefix) ? 1 : 0;
            }
        }

        var v4 = new ListedPrefix<uint>[list.Count - v6Family + mapped];
        var v6 = new ListedPrefix<UInt128>[v6Family - mapped];
        int v4Count = 0, v6Count = 0, order = 0;
        CloudLocation? lastLocation = null;
        var location = -1;

        foreach (var prefix in list)
        {
            if (prefix.Location is null)
            {
                throw new ArgumentException("a prefix has no location (default CloudPrefix)", nameof(prefixes));
            }

            // Parsers share one location object per region, so consecutive prefixes mostly skip the lookup.
            if (!ReferenceEquals(prefix.Location, lastLocation))
            {
                ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(locationIndexes, prefix.Location, out var known);
                if (!known)
                {
                    index = locations.Count;
                    locations.Add(prefix.Location);
                    global.Add(string.Equals(prefix.Location.Region, GlobalRegion, StringComparison.Ordinal));
                }

                (location, lastLocation) = (index, prefix.Location);
            }

            var rank = global[location] ? 1 : 0;
            if (prefix.IsIPv4)
            {
                v4[v4Count++] = new((uint)prefix.Address, prefix.Length, rank, order++, location);
            }
            else if (IsMappedIPv4(prefix))
            {
                v4[v4Count++] = new((uint)prefix.Address, prefix.Length - MappedPrefixLength, rank, order++, location);
            }
            else
            {
                v6[v6Count++] = new(prefix.Address, prefix.Length, rank, order++, location);
            }
        }

        var distinct4 = Distinct(v4.AsSpan(0, v4Count));
        var distinct6 = Distinct(v6.AsSpan(0, v6Count));
        return new IpRangeTable(
            [.. locations],
            IntervalMap<uint>.Build(distinct4),
            IntervalMap<UInt128>.Build(distinct6),
            distinct4.Length + distinct6.Length);
    }

    /// <summary>An IPv6 prefix inside <c>::ffff:0:0/96</c>: stored as the IPv4 prefix it denotes.</summary>
    private static bool IsMappedIPv4(in CloudPrefix prefix) =>
        !prefix.IsIPv4 && prefix.Length >= MappedPrefixLength && (prefix.Address >> 32) == MappedHighBits;

    /// <summary>Finds the location of the most specific prefix containing <paramref name="address"/>.</summary>
    public bool TryLookup(IPAddress address, [NotNullWhen(true)] out CloudLocation? location)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? TryLookupV4(BinaryPrimitives.ReadUInt32BigEndian(bytes), out location)
            : TryLookupV6(BinaryPrimitives.ReadUInt128BigEndian(bytes), out location);
    }

    /// <summary>IPv4 lookup; <paramref name="address"/> in host order (<c>1.2.3.4</c> is <c>0x01020304</c>).</summary>
    public bool TryLookupV4(uint address, [NotNullWhen(true)] out CloudLocation? location) =>
        Resolve(_v4.Find(address), out location);

    /// <summary>
    /// IPv6 lookup; <paramref name="address"/> in host order (the first byte of the address is the
    /// most significant). IPv4-mapped addresses are looked up as IPv4.
    /// </summary>
    public bool TryLookupV6(UInt128 address, [NotNullWhen(true)] out CloudLocation? location) =>
        (address >> 32) == MappedHighBits
            ? TryLookupV4((uint)address, out location)
            : Resolve(_v6.Find(address), out location);

    private bool Resolve(int index, [NotNullWhen(true)] out CloudLocation? location)
    {
        if (index < 0)
        {
            location = null;
            return false;
        }

        location = _locations[index];
        return true;
    }

    /// <summary>
    /// Sorts <paramref name="listed"/> by network, then length, then winner first (a region before <c>GLOBAL</c>,
    /// then the first given), and keeps the first of each (network, length): sorted, distinct, as
    /// <see cref="IntervalMap{T}.Build"/> takes them.
    /// </summary>
    private static (T Network, int Length, int Location)[] Distinct<T>(Span<ListedPrefix<T>> listed)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
    {
        listed.Sort(default(ListedPrefixOrder<T>));
        var distinct = 0;
        for (var i = 0; i < listed.Length; i++)
        {
            distinct += IsFirstOfItsPrefix(listed, i) ? 1 : 0;
        }

        var result = new (T Network, int Length, int Location)[distinct];
        for (int i = 0, n = 0; i < listed.Length; i++)
        {
            if (IsFirstOfItsPrefix(listed, i))
            {
                ref readonly var c = ref listed[i];
                result[n++] = (c.Network, c.Length, c.Location);
            }
        }

        return result;
    }

    private static bool IsFirstOfItsPrefix<T>(Span<ListedPrefix<T>> sorted, int i)
        where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
        => i == 0 || sorted[i].Network != sorted[i - 1].Network || sorted[i].Length != sorted[i - 1].Length;
}
