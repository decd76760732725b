using System.Buffers.Binary;
using System.Net;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Benchmarks;

/// <summary>
/// The real AWS, GCP and Azure range files (../shared/data/cloud-ranges beside the repository, as the tests
/// read them), parsed with the project's parsers into one <see cref="IpRangeTable"/>, and addresses drawn
/// like real traffic: half from inside a random published prefix, half uniformly from the whole space.
/// </summary>
internal static class HotPathData
{
    public static IReadOnlyList<CloudPrefix> Prefixes { get => field ??= Load(); }

    public static IpRangeTable Table { get => field ??= IpRangeTable.Build(Prefixes); }

    /// <summary>IPv4 addresses in host order: even indexes inside a random IPv4 prefix, odd ones anywhere.</summary>
    public static uint[] V4Addresses(int count, Random random)
    {
        var v4 = Prefixes.Where(p => p.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).ToArray();
        var addresses = new uint[count];
        for (var i = 0; i < count; i++)
        {
            if (i % 2 == 0)
            {
                var network = v4[random.Next(v4.Length)].Network;
                var start = BinaryPrimitives.ReadUInt32BigEndian(network.BaseAddress.GetAddressBytes());
                var hostBits = 32 - network.PrefixLength;
                var host = hostBits == 0 ? 0u : (uint)random.NextInt64(0, 1L << hostBits);
                addresses[i] = start | host;
            }
            else
            {
                addresses[i] = (uint)random.NextInt64(0, 1L << 32);
            }
        }

        return addresses;
    }

    /// <summary>IPv6 addresses in host order: even indexes inside a random IPv6 prefix, odd ones anywhere in 2000::/3.</summary>
    public static UInt128[] V6Addresses(int count, Random random)
    {
        var v6 = Prefixes.Where(p => p.Network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6).ToArray();
        var addresses = new UInt128[count];
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            var noise = BinaryPrimitives.ReadUInt128BigEndian(bytes);
            if (i % 2 == 0)
            {
                var network = v6[random.Next(v6.Length)].Network;
                var start = BinaryPrimitives.ReadUInt128BigEndian(network.BaseAddress.GetAddressBytes());
                var hostMask = network.PrefixLength == 128 ? UInt128.Zero : UInt128.MaxValue >> network.PrefixLength;
                addresses[i] = start | (noise & hostMask);
            }
            else
            {
                // Global unicast, 2000::/3: where real clients come from.
                addresses[i] = (noise >> 3) | ((UInt128)1 << 125);
            }
        }

        return addresses;
    }

    public static IPAddress ToAddress(uint v4) => new(BinaryPrimitives.ReverseEndianness(v4));

    public static IPAddress ToAddress(UInt128 v6)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, v6);
        return new IPAddress(bytes);
    }

    /// <summary>The three files as the server is configured with them: format, contents and cloud name.</summary>
    public static (RangeFormat Format, byte[] Body, string Cloud)[] Files { get => field ??= ReadFiles(); }

    private static (RangeFormat Format, byte[] Body, string Cloud)[] ReadFiles()
    {
        var directory = CloudRangesDirectory();
        return
        [
            (RangeFormat.Aws, File.ReadAllBytes(Path.Combine(directory, "aws-ip-ranges.json")), "aws"),
            (RangeFormat.Gcp, File.ReadAllBytes(Path.Combine(directory, "gcp-cloud.json")), "gcp"),
            (RangeFormat.Azure, File.ReadAllBytes(Path.Combine(directory, "azure-service-tags.json")), "azure"),
        ];
    }

    private static List<CloudPrefix> Load()
    {
        var all = new List<CloudPrefix>();
        foreach (var (format, body, cloud) in Files)
        {
            all.AddRange(RangeParser.Parse(format, new MemoryStream(body, writable: false), cloud));
        }

        return all;
    }

    private static string CloudRangesDirectory()
    {
        // BenchmarkDotNet runs from a generated project below bin/: shared/data sits beside the repository.
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "data", "cloud-ranges");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("shared/data/cloud-ranges not found above " + AppContext.BaseDirectory);
    }
}
