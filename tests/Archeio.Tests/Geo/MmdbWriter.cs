using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace Archeio.Tests.Geo;

/// <summary>
/// A minimal MaxMind DB writer for tests: a handful of networks, each with a record made of maps,
/// strings, unsigned integers, arrays and booleans. Follows the format specification,
/// https://maxmind.github.io/MaxMind-DB/: a binary search tree with 32-bit records, 16 zero bytes, the
/// data section, then the metadata map after the <c>\xAB\xCD\xEFMaxMind.com</c> marker. It writes no
/// pointers (every record is stored whole) and no IPv4 aliases (an IPv6 database stores IPv4 networks
/// only under <c>::/96</c>, where readers look IPv4 addresses up).
/// </summary>
internal sealed class MmdbWriter(int ipVersion, string databaseType = "Archeio-Test")
{
    private const int RecordSize = 32;

    // Tree records before numbering: a node index (>= 0), empty (-1), or data record d as -(d + 2).
    private const long Empty = -1;

    private static readonly byte[] MetadataMarker = [0xAB, 0xCD, 0xEF, .. "MaxMind.com"u8];

    private readonly List<(UInt128 Network, int Length, object Record)> _networks = [];

    /// <summary>Adds <paramref name="cidr"/> with <paramref name="record"/> (a map: <see cref="IReadOnlyDictionary{TKey, TValue}"/> of string to value).</summary>
    public MmdbWriter Add(string cidr, object record)
    {
        var network = IPNetwork.Parse(cidr);
        Span<byte> bytes = stackalloc byte[16];
        _ = network.BaseAddress.TryWriteBytes(bytes, out var written);
        if (written == 4)
        {
            // IPv4 sits at the top of an IPv4 tree, and under ::/96 in an IPv6 tree.
            var v4 = BinaryPrimitives.ReadUInt32BigEndian(bytes);
            _networks.Add(ipVersion == 4
                ? ((UInt128)v4 << 96, network.PrefixLength, record)
                : (v4, network.PrefixLength + 96, record));
        }
        else
        {
            if (ipVersion == 4)
            {
                throw new ArgumentException("an IPv6 network in an IPv4 database", nameof(cidr));
            }

            _networks.Add((BinaryPrimitives.ReadUInt128BigEndian(bytes), network.PrefixLength, record));
        }

        return this;
    }

    public void Write(string path) => File.WriteAllBytes(path, Build());

    /// <summary>The file's bytes, and where its data section starts (for tests that corrupt it).</summary>
    public byte[] Build() => Build(out _);

    public byte[] Build(out int dataSectionStart)
    {
        // The tree: networks inserted from the widest, so that a narrower one splits the record a wider
        // one set, and both halves below keep the wider one's data.
        var nodes = new List<long[]> { new[] { Empty, Empty } };
        var records = new List<object>();
        foreach (var (network, length, record) in _networks.OrderBy(n => n.Length))
        {
            records.Add(record);
            Insert(nodes, network, length, -(records.Count - 1 + 2));
        }

        var data = new MemoryStream();
        var offsets = new List<long>();
        foreach (var record in records)
        {
            offsets.Add(data.Length);
            Encode(data, record);
        }

        var output = new MemoryStream();
        long nodeCount = nodes.Count;
        Span<byte> four = stackalloc byte[4];
        foreach (var node in nodes)
        {
            foreach (var value in node)
            {
                var number = value switch
                {
                    Empty => nodeCount,
                    >= 0 => value,
                    _ => nodeCount + 16 + offsets[(int)(-value - 2)],
                };
                BinaryPrimitives.WriteUInt32BigEndian(four, checked((uint)number));
                output.Write(four);
            }
        }

        output.Write(new byte[16]);
        dataSectionStart = (int)output.Length;
        data.WriteTo(output);
        output.Write(MetadataMarker);
        Encode(output, new Dictionary<string, object>
        {
            ["binary_format_major_version"] = (ushort)2,
            ["binary_format_minor_version"] = (ushort)0,
            ["build_epoch"] = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["database_type"] = databaseType,
            ["description"] = new Dictionary<string, object> { ["en"] = "Archeio test database" },
            ["ip_version"] = (ushort)ipVersion,
            ["languages"] = new object[] { "en" },
            ["node_count"] = (uint)nodeCount,
            ["record_size"] = (ushort)RecordSize,
        });
        return output.ToArray();
    }

    private void Insert(List<long[]> nodes, UInt128 network, int length, long data)
    {
        var bits = ipVersion == 4 ? 32 : 128;
        var node = 0;
        for (var depth = 0; depth < length; depth++)
        {
            var bit = (int)((network >> (127 - depth)) & UInt128.One);
            var current = nodes[node][bit];
            if (depth == length - 1)
            {
                nodes[node][bit] = data;
                return;
            }

            if (current >= 0)
            {
                node = (int)current;
                continue;
            }

            nodes.Add([current, current]);
            nodes[node][bit] = nodes.Count - 1;
            node = nodes.Count - 1;
        }

        throw new ArgumentException($"a /0 network cannot be stored ({bits}-bit tree)");
    }

    private static void Encode(Stream output, object value)
    {
        switch (value)
        {
            case string text:
                var utf8 = Encoding.UTF8.GetBytes(text);
                Control(output, 2, utf8.Length);
                output.Write(utf8);
                break;
            case ushort u16:
                Unsigned(output, 5, u16);
                break;
            case uint u32:
                Unsigned(output, 6, u32);
                break;
            case ulong u64:
                Unsigned(output, 9, u64);
                break;
            case bool flag:
                Control(output, 14, flag ? 1 : 0);
                break;
            case IReadOnlyDictionary<string, object> map:
                Control(output, 7, map.Count);
                foreach (var (key, item) in map)
                {
                    Encode(output, key);
                    Encode(output, item);
                }

                break;
            case object[] array:
                Control(output, 11, array.Length);
                foreach (var item in array)
                {
                    Encode(output, item);
                }

                break;
            default:
                throw new ArgumentException($"cannot encode a {value.GetType().Name}", nameof(value));
        }
    }

    /// <summary>Unsigned integers are stored big-endian in as few bytes as the value needs (none for 0).</summary>
    private static void Unsigned(Stream output, int type, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var used = bytes.TrimStart((byte)0);
        Control(output, type, used.Length);
        output.Write(used);
    }

    /// <summary>The control byte: type in the top 3 bits (0 and a second byte for types 8 and up), then the size.</summary>
    private static void Control(Stream output, int type, int size)
    {
        var typeBits = type <= 7 ? type << 5 : 0;
        byte[] sizeBytes;
        int sizeBits;
        if (size < 29)
        {
            (sizeBits, sizeBytes) = (size, []);
        }
        else if (size < 29 + 256)
        {
            (sizeBits, sizeBytes) = (29, [(byte)(size - 29)]);
        }
        else
        {
            var rest = size - 285;
            (sizeBits, sizeBytes) = (30, [(byte)(rest >> 8), (byte)rest]);
        }

        output.WriteByte((byte)(typeBits | sizeBits));
        if (type > 7)
        {
            output.WriteByte((byte)(type - 7));
        }

        output.Write(sizeBytes);
    }
}
