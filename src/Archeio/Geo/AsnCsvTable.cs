using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using Archeio.Ranges.Parsing;

namespace Archeio.Geo;

/// <summary>
/// ASNs from the CSV files of ip-location-db's <c>asn</c> package
/// (https://github.com/sapics/ip-location-db/tree/main/asn#csv-format), held in memory as two
/// <see cref="AsnRangeMap{T}"/>s (IPv4, IPv6).
/// </summary>
/// <remarks>
/// <para>
/// Each line is <c>ip_range_start,ip_range_end,autonomous_system_number,autonomous_system_organization</c>,
/// the range inclusive, no header. The package ships <c>asn-ipv4.csv</c> and <c>asn-ipv6.csv</c>
/// (addresses as text) and <c>asn-ipv4-num.csv</c> and <c>asn-ipv6-num.csv</c> (addresses as decimal
/// integers). One file is read, and it may mix both families: <c>cat asn-ipv4.csv asn-ipv6.csv</c> gives
/// one file for both. In the numeric form a value up to 2^32 - 1 is IPv4 and a larger one IPv6 (the only
/// IPv6 addresses that small are the deprecated IPv4-compatible ::a.b.c.d, which no RIR delegates).
/// </para>
/// <para>
/// The organisation column is not read (and may hold quoted commas, which therefore need no CSV
/// unquoting). Lines with AS number 0 (RFC 7607: not routed) are skipped, so their addresses have no AS.
/// A line that does not parse rejects the whole file, naming the line: a truncated or mangled download
/// must not silently become a table with holes.
/// </para>
/// <para>
/// Cost with the 2.3.2026061719 package (412k IPv4 and 103k IPv6 lines, 33 MB of text): 7.5 MiB of
/// arrays; loading takes 0.3 s warm and 0.9 s at a cold start on one core, most of it reading lines
/// (one short-lived string each). A lookup is one binary search, about 30 ns. See docs/configuration.md.
/// </para>
/// </remarks>
internal sealed class AsnCsvTable : IAsnSource
{
    private const string HeaderStart = "ip_range_start";

    private readonly AsnRangeMap<uint> _v4;
    private readonly AsnRangeMap<UInt128> _v6;

    private AsnCsvTable(AsnRangeMap<uint> v4, AsnRangeMap<UInt128> v6, int v4Ranges, int v6Ranges)
    {
        _v4 = v4;
        _v6 = v6;
        IPv4RangeCount = v4Ranges;
        IPv6RangeCount = v6Ranges;
    }

    /// <summary>IPv4 lines read (AS 0 lines not counted).</summary>
    public int IPv4RangeCount { get; }

    /// <summary>IPv6 lines read (AS 0 lines not counted).</summary>
    public int IPv6RangeCount { get; }

    /// <summary>Bytes held by the lookup arrays.</summary>
    public long SizeInBytes => _v4.SizeInBytes + _v6.SizeInBytes;

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">A line does not parse (the message names it), or the file has no ranges.</exception>
    public static AsnCsvTable Load(string path)
    {
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 1 << 16,
            Options = FileOptions.SequentialScan,
        });
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        return Read(reader);
    }

    /// <summary>Reads CSV text (see <see cref="Load"/>).</summary>
    public static AsnCsvTable Read(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var v4 = new List<(uint Start, uint End, uint Asn)>();
        var v6 = new List<(UInt128 Start, UInt128 End, uint Asn)>();
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            var text = line.AsSpan().Trim();
            if (text.IsEmpty || (lineNumber == 1 && text.StartsWith(HeaderStart, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            if (!TryParseLine(text, out var start, out var end, out var asn, out var error))
            {
                throw new InvalidDataException($"line {lineNumber}: {error}: '{Excerpt(text)}'");
            }

            if (asn == 0)
            {
                continue;
            }

            if (start.IsV4)
            {
                v4.Add(((uint)start.Value, (uint)end, asn));
            }
            else
            {
                v6.Add((start.Value, end, asn));
            }
        }

        if (v4.Count + v6.Count == 0)
        {
            throw new InvalidDataException("no address ranges (an empty file, or not an ip-location-db ASN CSV)");
        }

        return new AsnCsvTable(AsnRangeMap<uint>.Build(v4), AsnRangeMap<UInt128>.Build(v6), v4.Count, v6.Count);
    }

    public uint? Find(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        _ = address.TryWriteBytes(bytes, out var written);
        var asn = written == 4
            ? _v4.Find(BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : _v6.Find(BinaryPrimitives.ReadUInt128BigEndian(bytes));
        return asn == 0 ? null : asn;
    }

    public void Dispose()
    {
        // Managed arrays only.
    }

    private static bool TryParseLine(ReadOnlySpan<char> line, out (UInt128 Value, bool IsV4) start, out UInt128 end, out uint asn, out string error)
    {
        start = default;
        end = default;
        asn = 0;

        var first = line.IndexOf(',');
        var afterFirst = first < 0 ? [] : line[(first + 1)..];
        var second = afterFirst.IndexOf(',');
        if (first < 0 || second < 0)
        {
            error = "expected start,end,asn[,organisation]";
            return false;
        }

        var asnField = afterFirst[(second + 1)..];
        var third = asnField.IndexOf(',');
        asnField = (third < 0 ? asnField : asnField[..third]).Trim();
        if (!uint.TryParse(asnField, NumberStyles.None, CultureInfo.InvariantCulture, out asn))
        {
            error = "the AS number is not an integer 0-4294967295";
            return false;
        }

        if (!TryParseAddress(line[..first].Trim(), out var startValue, out var startIsV4)
            || !TryParseAddress(afterFirst[..second].Trim(), out var endValue, out var endIsV4))
        {
            error = "a range bound is not an IPv4 or IPv6 address or a decimal address";
            return false;
        }

        if (startIsV4 != endIsV4)
        {
            error = "the range bounds are of different address families";
            return false;
        }

        if (startValue > endValue)
        {
            error = "the range ends before it starts";
            return false;
        }

        start = (startValue, startIsV4);
        end = endValue;
        error = string.Empty;
        return true;
    }

    /// <summary>Dotted-quad IPv4, RFC 4291 IPv6, or a decimal integer (the <c>-num</c> files).</summary>
    private static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 value, out bool isV4)
    {
        value = UInt128.Zero;
        isV4 = false;
        if (text.Contains(':'))
        {
            return CidrParser.TryParseIPv6(text, out value);
        }

        if (text.Contains('.'))
        {
            isV4 = CidrParser.TryParseIPv4(text, out var v4);
            value = v4;
            return isV4;
        }

        if (!UInt128.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return false;
        }

        isV4 = value <= uint.MaxValue;
        return true;
    }

    private static string Excerpt(ReadOnlySpan<char> line) => line.Length <= 120 ? line.ToString() : string.Concat(line[..117], "...");
}
