using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;

namespace Archeio.Ranges.Loading;

/// <summary>
/// A compact binary form of one source's parsed prefixes, kept in <c>RangesRefresh:CacheDirectory</c> so
/// that a start reads it instead of parsing the provider's JSON again (about 95 ms for the three clouds'
/// 6 MB of JSON in the NativeAOT build, against a few for this: see docs/performance.md).
/// </summary>
/// <remarks>
/// <para>
/// A snapshot stands for exactly one source body: it records the 128-bit XxHash3 of the bytes it was parsed from,
/// the format and the cloud name, and <see cref="TryDecode"/> refuses it unless all three match what is
/// being loaded now, so a changed file or a new download is always parsed afresh. It also records
/// <see cref="ParserVersion"/>: a change to what a parser returns must bump it, so that snapshots written
/// by an older build are parsed again rather than trusted.
/// </para>
/// <para>
/// Layout, little-endian: the 8-byte magic <c>ARCRNGS2</c>, the parser version (int32), the format
/// (byte), the source's hash (16 bytes), the payload's length (int32) and hash (16 bytes), then the
/// payload: the cloud name, the distinct regions (each a uint16 length and UTF-8), the prefix count
/// (int32) and per prefix its family (4 or 6), prefix length, region index (uint16) and 4 or 16 address
/// bytes in network order. Prefixes are kept as listed (duplicates included) so the table built from a
/// snapshot is the one built from the JSON. Any mismatch, truncation or checksum failure makes the
/// snapshot unusable, never wrong data.
/// </para>
/// <para>
/// XxHash128 rather than SHA-256: these hashes detect change and damage, not an adversary (whoever can write the
/// range files or the cache directory decides the ranges anyway), and SHA-256 is OpenSSL's on Linux, whose loading
/// alone cost the cold start about 10 ms (strace, docs/performance.md).
/// </para>
/// </remarks>
internal static class RangeSnapshot
{
    /// <summary>Bump when any parser's output for the same input changes.</summary>
    public const int ParserVersion = 1;

    private const int HashBytes = 16;
    private const int HeaderLength = 8 + 4 + 1 + HashBytes + 4 + HashBytes;
    private static readonly byte[] Magic = "ARCRNGS2"u8.ToArray();
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>The hash a snapshot records for a source body.</summary>
    public static byte[] HashOf(ReadOnlySpan<byte> body) => XxHash128.Hash(body);

    /// <summary>Encodes <paramref name="prefixes"/>, parsed as <paramref name="format"/> from a body whose <see cref="HashOf"/> is <paramref name="sourceHash"/>.</summary>
    public static byte[] Encode(RangeFormat format, ReadOnlySpan<byte> sourceHash, string cloud, IReadOnlyList<CloudPrefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        ArgumentNullException.ThrowIfNull(prefixes);
        if (sourceHash.Length != HashBytes)
        {
            throw new ArgumentException("expected a 128-bit hash (HashOf)", nameof(sourceHash));
        }

        var regions = new List<string>();
        var regionIndexes = new Dictionary<CloudLocation, ushort>();
        using var payload = new MemoryStream();
        using (var writer = new BinaryWriter(payload, Encoding.UTF8, leaveOpen: true))
        {
            WriteString(writer, cloud);
            foreach (var prefix in prefixes)
            {
                if (!string.Equals(prefix.Location.Cloud, cloud, StringComparison.Ordinal))
                {
                    throw new ArgumentException($"a prefix of cloud '{prefix.Location.Cloud}' in a snapshot of '{cloud}'", nameof(prefixes));
                }

                if (!regionIndexes.ContainsKey(prefix.Location))
                {
                    regionIndexes.Add(prefix.Location, checked((ushort)regions.Count));
                    regions.Add(prefix.Location.Region);
                }
            }

            writer.Write(regions.Count);
            foreach (var region in regions)
            {
                WriteString(writer, region);
            }

            writer.Write(prefixes.Count);
            Span<byte> address = stackalloc byte[16];
            foreach (var prefix in prefixes)
            {
                var size = prefix.IsIPv4 ? 4 : 16;
                if (prefix.IsIPv4)
                {
                    BinaryPrimitives.WriteUInt32BigEndian(address, (uint)prefix.Address);
                }
                else
                {
                    BinaryPrimitives.WriteUInt128BigEndian(address, prefix.Address);
                }

                writer.Write((byte)(prefix.IsIPv4 ? 4 : 6));
                writer.Write((byte)prefix.Length);
                writer.Write(regionIndexes[prefix.Location]);
                writer.Write(address[..size]);
            }
        }

        var body = payload.GetBuffer().AsSpan(0, (int)payload.Length);
        var snapshot = new byte[HeaderLength + body.Length];
        var span = snapshot.AsSpan();
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], ParserVersion);
        span[12] = (byte)format;
        sourceHash.CopyTo(span[13..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(13 + HashBytes)..], body.Length);
        XxHash128.Hash(body, span[(17 + HashBytes)..]);
        body.CopyTo(span[HeaderLength..]);
        return snapshot;
    }

    /// <summary>
    /// Decodes <paramref name="snapshot"/> if it was written by this parser version for a body of
    /// <paramref name="format"/> with hash <paramref name="sourceHash"/> and cloud <paramref name="cloud"/>, and is intact.
    /// </summary>
    public static bool TryDecode(
        ReadOnlySpan<byte> snapshot, RangeFormat format, ReadOnlySpan<byte> sourceHash, string cloud, out IReadOnlyList<CloudPrefix> prefixes)
    {
        ArgumentNullException.ThrowIfNull(cloud);
        prefixes = [];
        if (snapshot.Length < HeaderLength
            || !snapshot[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(snapshot[8..]) != ParserVersion
            || snapshot[12] != (byte)format
            || !snapshot.Slice(13, HashBytes).SequenceEqual(sourceHash)
            || BinaryPrimitives.ReadInt32LittleEndian(snapshot[(13 + HashBytes)..]) != snapshot.Length - HeaderLength)
        {
            return false;
        }

        var payload = snapshot[HeaderLength..];
        Span<byte> checksum = stackalloc byte[HashBytes];
        XxHash128.Hash(payload, checksum);
        if (!checksum.SequenceEqual(snapshot.Slice(17 + HashBytes, HashBytes)))
        {
            return false;
        }

        var reader = new SpanReader(payload);
        if (!reader.TryString(out var storedCloud) || !string.Equals(storedCloud, cloud, StringComparison.Ordinal)
            || !reader.TryInt32(out var regionCount) || regionCount is < 0 or > ushort.MaxValue + 1)
        {
            return false;
        }

        var locations = new CloudLocation[regionCount];
        for (var i = 0; i < regionCount; i++)
        {
            if (!reader.TryString(out var region))
            {
                return false;
            }

            locations[i] = new CloudLocation(cloud, region);
        }

        // Each prefix takes at least 8 bytes: a bound on the count before allocating for it.
        if (!reader.TryInt32(out var count) || count < 0 || count > reader.Remaining / 8)
        {
            return false;
        }

        var result = new CloudPrefix[count];
        for (var i = 0; i < count; i++)
        {
            if (!reader.TryPrefix(locations, out result[i]))
            {
                return false;
            }
        }

        if (reader.Remaining != 0)
        {
            return false;
        }

        prefixes = result;
        return true;
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        writer.Write(checked((ushort)bytes.Length));
        writer.Write(bytes);
    }

    /// <summary>Reads the payload forward with bounds checks; every read says whether the bytes were there.</summary>
    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly int Remaining => _rest.Length;

        public bool TryInt32(out int value)
        {
            value = 0;
            if (_rest.Length < 4)
            {
                return false;
            }

            value = BinaryPrimitives.ReadInt32LittleEndian(_rest);
            _rest = _rest[4..];
            return true;
        }

        public bool TryString(out string value)
        {
            value = string.Empty;
            if (_rest.Length < 2)
            {
                return false;
            }

            var length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            if (_rest.Length < 2 + length)
            {
                return false;
            }

            try
            {
                value = StrictUtf8.GetString(_rest.Slice(2, length));
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            _rest = _rest[(2 + length)..];
            return true;
        }

        public bool TryPrefix(CloudLocation[] locations, out CloudPrefix prefix)
        {
            prefix = default;
            if (_rest.Length < 4)
            {
                return false;
            }

            var family = _rest[0];
            int length = _rest[1];
            var location = BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]);
            var size = family switch { 4 => 4, 6 => 16, _ => 0 };
            if (size == 0 || length > size * 8 || location >= locations.Length || _rest.Length < 4 + size)
            {
                return false;
            }

            var address = size == 4 ? BinaryPrimitives.ReadUInt32BigEndian(_rest[4..]) : BinaryPrimitives.ReadUInt128BigEndian(_rest[4..]);
            _rest = _rest[(4 + size)..];
            // Refused when host bits are set: snapshots only hold canonical prefixes. Numbers, not an IPAddress per
            // prefix (Table/CloudPrefix.cs says why).
            return CloudPrefix.TryCreate(size == 4, address, length, locations[location], out prefix);
        }
    }
}
