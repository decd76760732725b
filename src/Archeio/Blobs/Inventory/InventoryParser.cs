using Archeio.Blobs.Cache;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// Parses a mirror inventory: UTF-8 text, one digest per line (<c>\n</c> or <c>\r\n</c>), surrounding
/// whitespace and empty lines ignored. Any other line rejects the whole inventory, with an error naming
/// its number and (the start of) its content. The text is streamed; its size is bounded so that a
/// runaway file or response cannot exhaust memory.
/// </summary>
internal static class InventoryParser
{
    /// <summary>Largest inventory accepted: about 14 million sha256 lines.</summary>
    public const long DefaultMaxBytes = 1L << 30;

    /// <summary>Most digest lines accepted; at about 40 bytes a digest in the set, 2 GB of memory.</summary>
    public const int DefaultMaxDigests = 50_000_000;

    /// <summary>
    /// Average bytes of a line (a sha256 digest and its newline), to size the set from the text's length
    /// and so avoid the rehashes (and the transient double memory) of growing it from empty.
    /// </summary>
    private const int BytesPerLine = 72;

    /// <summary>Most entries a length hint pre-allocates: a hint may come from a Content-Length that lies.</summary>
    private const int MaxCapacityHint = 4_000_000;

    private const int BufferSize = 64 * 1024;

    public static bool TryParse(Stream utf8, [NotNullWhen(true)] out IReadOnlySet<DigestKey>? digests, out int count, [NotNullWhen(false)] out string? error)
        => TryParse(utf8, DefaultMaxBytes, DefaultMaxDigests, out digests, out count, out error);

    public static bool TryParse(
        Stream utf8,
        long maxBytes,
        int maxDigests,
        [NotNullWhen(true)] out IReadOnlySet<DigestKey>? digests,
        out int count,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var builder = new InventoryBuilder(maxBytes, maxDigests, CapacityFor(utf8.CanSeek ? utf8.Length : null));
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = utf8.Read(buffer, 0, BufferSize)) > 0 && builder.Append(buffer.AsSpan(0, read)))
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var result = builder.Complete();
        digests = result.Digests;
        count = result.Count;
        error = result.Error;
        return error is null;
    }

    /// <summary>
    /// Parses without blocking a thread on I/O (an inventory fetched over HTTP arrives at network speed).
    /// <paramref name="lengthHint"/> (a file's length, a Content-Length) only sizes the set.
    /// </summary>
    public static async Task<InventoryParseResult> ParseAsync(
        Stream utf8,
        long? lengthHint,
        CancellationToken cancellationToken,
        long maxBytes = DefaultMaxBytes,
        int maxDigests = DefaultMaxDigests)
    {
        ArgumentNullException.ThrowIfNull(utf8);
        var builder = new InventoryBuilder(maxBytes, maxDigests, CapacityFor(lengthHint));
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await utf8.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken)) > 0 && builder.Append(buffer.AsSpan(0, read)))
            {
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return builder.Complete();
    }

    private static int CapacityFor(long? length) => length is > 0 ? (int)Math.Min(length.Value / BytesPerLine, MaxCapacityHint) : 0;
}
