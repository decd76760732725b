using Archeio.Blobs.Cache;
using System.Buffers;
using System.Globalization;
using System.Text;
using Archeio.Requests;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// Builds an inventory from its UTF-8 text chunk by chunk, as it is read, so that an inventory of
/// millions of lines never has to be held as text: only the current line (when it straddles two chunks)
/// is copied, into a fixed buffer. The first bad line rejects the whole inventory: a file that is not an
/// inventory (an HTML error page, a truncated upload) must not be half-trusted. A line is a digest, or a digest, spaces
/// or tabs and its size in decimal bytes (<c>sha256:… 2814</c>, as Geranos writes since issue 19): the first sized line
/// turns the set into a <see cref="SizedDigests"/>, so an inventory of digests alone costs what it did.
/// </summary>
internal sealed class InventoryBuilder
{
    /// <summary>
    /// The longest line accepted: a digest is at most <see cref="OciGrammar.MaxDigestLength"/> characters,
    /// and the rest is room for surrounding whitespace. A longer line is not a digest, and rejecting it as
    /// soon as it passes this length keeps memory bounded whatever the input.
    /// </summary>
    public const int MaxLineBytes = 1024;

    private const int PreviewBytes = 80;
    private const int Sha256Length = 71;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private readonly HashSet<DigestKey> _digests;
    private Dictionary<DigestKey, long>? _sized;
    private readonly long _maxBytes;
    private readonly int _maxDigests;
    private readonly byte[] _partial = new byte[MaxLineBytes];
    private int _partialLength;
    private long _bytes;
    private long _lineNumber;

    public InventoryBuilder(long maxBytes, int maxDigests, int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDigests);
        _maxBytes = maxBytes;
        _maxDigests = maxDigests;
        _digests = new HashSet<DigestKey>(Math.Clamp(capacity, 0, maxDigests));
    }

    /// <summary>Digest lines read so far, duplicates included.</summary>
    public int Count { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Adds the next chunk of the text; false once the inventory has been rejected.</summary>
    public bool Append(ReadOnlySpan<byte> chunk)
    {
        if (Error is not null)
        {
            return false;
        }

        _bytes += chunk.Length;
        if (_bytes > _maxBytes)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"larger than {_maxBytes} bytes"));
        }

        while (!chunk.IsEmpty)
        {
            var newline = chunk.IndexOf((byte)'\n');
            var piece = newline < 0 ? chunk : chunk[..newline];
            if (_partialLength + piece.Length > MaxLineBytes)
            {
                return FailTooLong(piece);
            }

            if (newline < 0)
            {
                // The line goes on in the next chunk.
                piece.CopyTo(_partial.AsSpan(_partialLength));
                _partialLength += piece.Length;
                return true;
            }

            chunk = chunk[(newline + 1)..];
            if (_partialLength == 0)
            {
                if (!AddLine(piece))
                {
                    return false;
                }
            }
            else
            {
                piece.CopyTo(_partial.AsSpan(_partialLength));
                var line = _partial.AsSpan(0, _partialLength + piece.Length);
                _partialLength = 0;
                if (!AddLine(line))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Ends the text (a last line need not end with a newline) and returns the outcome.</summary>
    public InventoryParseResult Complete()
    {
        if (Error is null && _partialLength > 0)
        {
            var line = _partial.AsSpan(0, _partialLength);
            _partialLength = 0;
            AddLine(line);
        }

        return Error is not null ? new InventoryParseResult(null, Count, Error)
            : _sized is not null ? new InventoryParseResult(new SizedDigests(_sized), Count, null)
            : new InventoryParseResult(_digests, Count, null);
    }

    private bool AddLine(ReadOnlySpan<byte> line)
    {
        _lineNumber++;
        if (_lineNumber == 1 && line.StartsWith("\uFEFF"u8))
        {
            // A byte order mark, as some editors write: not part of the first digest.
            line = line[3..];
        }

        var trimmed = line.Trim(" \t\r\v\f"u8);
        if (trimmed.IsEmpty)
        {
            return true;
        }

        var gap = trimmed.IndexOfAny(" \t"u8);
        var digest = gap > 0 ? trimmed[..gap] : trimmed;
        if (digest.Length > OciGrammar.MaxDigestLength || !TryKey(digest, out var key))
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"line {_lineNumber}: '{Preview(trimmed)}' is not a digest"));
        }

        var size = -1L;
        if (gap > 0)
        {
            // "<digest> <size>": the size is decimal digits only, at most 19 of them (a long).
            var sizeText = trimmed[gap..].TrimStart(" \t"u8);
            if (sizeText.Length > 19 || sizeText.ContainsAnyExceptInRange((byte)'0', (byte)'9') || !long.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out size))
            {
                return Fail(string.Create(CultureInfo.InvariantCulture, $"line {_lineNumber}: '{Preview(trimmed)}' is not a digest and a size in bytes"));
            }
        }

        if (Count == _maxDigests)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"more than {_maxDigests} digests (line {_lineNumber})"));
        }

        Count++;
        if (size >= 0 && _sized is null)
        {
            _sized = new Dictionary<DigestKey, long>(Math.Max(_digests.Count * 2, 16));
            foreach (var unsized in _digests)
            {
                _sized[unsized] = -1;
            }

            _digests.Clear();
            _digests.TrimExcess();
        }

        if (_sized is not null)
        {
            // A digest listed twice keeps a size one of its lines gave.
            if (size >= 0 || !_sized.ContainsKey(key))
            {
                _sized[key] = size;
            }
        }
        else
        {
            _digests.Add(key);
        }

        return true;
    }

    /// <summary>
    /// Validates a line (at most <see cref="OciGrammar.MaxDigestLength"/> bytes) and makes its key. Nearly
    /// every line of a real inventory is a sha256 digest: those are checked here without a string per line,
    /// with exactly the rule <see cref="OciGrammar.IsDigest"/> applies to them (64 lowercase hex digits).
    /// </summary>
    private static bool TryKey(ReadOnlySpan<byte> line, out DigestKey key)
    {
        key = default;
        if (!Ascii.IsValid(line))
        {
            return false;
        }

        Span<char> chars = stackalloc char[OciGrammar.MaxDigestLength];
        chars = chars[..Encoding.ASCII.GetChars(line, chars)];
        if (chars.Length == Sha256Length && chars.StartsWith("sha256:", StringComparison.Ordinal))
        {
            if (chars[7..].ContainsAnyExcept(LowerHex))
            {
                return false;
            }

            key = DigestKey.From(chars);
            return true;
        }

        var digest = new string(chars);
        if (!OciGrammar.IsDigest(digest))
        {
            return false;
        }

        key = DigestKey.From(digest);
        return true;
    }

    private bool FailTooLong(ReadOnlySpan<byte> piece)
    {
        Span<byte> start = stackalloc byte[PreviewBytes + 1];
        var fromPartial = Math.Min(_partialLength, start.Length);
        _partial.AsSpan(0, fromPartial).CopyTo(start);
        var fromPiece = Math.Min(piece.Length, start.Length - fromPartial);
        piece[..fromPiece].CopyTo(start[fromPartial..]);
        return Fail(string.Create(CultureInfo.InvariantCulture, $"line {_lineNumber + 1} is longer than {MaxLineBytes} bytes: '{Preview(start[..(fromPartial + fromPiece)])}'"));
    }

    private bool Fail(string error)
    {
        Error = error;
        return false;
    }

    /// <summary>The start of a bad line for the error message, printable whatever bytes it holds.</summary>
    private static string Preview(ReadOnlySpan<byte> line)
    {
        var truncated = line.Length > PreviewBytes;
        var text = Encoding.UTF8.GetString(truncated ? line[..PreviewBytes] : line);
        var builder = new StringBuilder(text.Length + 1);
        foreach (var c in text)
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }

        return truncated ? builder.Append('…').ToString() : builder.ToString();
    }
}
