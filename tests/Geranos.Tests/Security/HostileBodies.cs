using System.Globalization;
using System.Text;

namespace Geranos.Tests.Security;

/// <summary>
/// The ways a source can send a blob body wrong, by name (the names are the test data): each writes an answer for
/// <c>content</c>, the blob the manifest describes, onto a raw connection.
/// </summary>
internal static class HostileBodies
{
    /// <summary>How fast the drip drips: a few bytes a few times a second, far below any useful rate.</summary>
    private static readonly TimeSpan DripInterval = TimeSpan.FromMilliseconds(250);

    public static readonly IReadOnlyList<string> Names =
    [
        "cut-with-length", "cut-without-length", "wrong-bytes", "length-below-sent", "length-above-sent",
        "length-above-manifest", "longer-without-length", "chunked-garbage", "drip", "stall",
    ];

    /// <summary>
    /// The body for <paramref name="name"/>; <paramref name="lead"/> bytes go out at full speed before a drip or a
    /// stall begins (more than a part, to have a multipart upload under way when it does).
    /// </summary>
    public static Func<Stream, byte[], CancellationToken, Task> For(string name, int lead) => name switch
    {
        // Connection closed early: Content-Length promised all, three quarters came.
        "cut-with-length" => (s, c, ct) => Send(s, Length(c.Length), c.AsMemory(0, c.Length * 3 / 4), ct),

        // Connection closed early without a length: the body is "everything until close" and ends cleanly, short.
        "cut-without-length" => (s, c, ct) => Send(s, [], c.AsMemory(0, c.Length * 3 / 4), ct),

        // The right length, the wrong bytes.
        "wrong-bytes" => (s, c, ct) => Send(s, Length(c.Length), Flipped(c), ct),

        // Content-Length one less than the bytes sent (and than the manifest's size).
        "length-below-sent" => (s, c, ct) => Send(s, Length(c.Length - 1), c, ct),

        // Content-Length one more than the bytes sent, then the connection closes.
        "length-above-sent" => (s, c, ct) => Send(s, Length(c.Length + 1), c, ct),

        // Content-Length and body both 100 bytes beyond the manifest's size.
        "length-above-manifest" => (s, c, ct) => Send(s, Length(c.Length + 100), Longer(c), ct),

        // No length, 100 bytes beyond the manifest's size, then close.
        "longer-without-length" => (s, c, ct) => Send(s, [], Longer(c), ct),

        // A well-framed first chunk, then a chunk size that is not hex.
        "chunked-garbage" => ChunkedGarbageAsync,

        // The first bytes fast, then three bytes every 250 ms for as long as the client listens.
        "drip" => (s, c, ct) => DripAsync(s, c, lead, ct),

        // The first bytes fast, then nothing at all, the connection held open until the client gives up.
        "stall" => (s, c, ct) => StallAsync(s, c, lead, ct),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such hostile body"),
    };

    private static (string, string)[] Length(long length) => [("Content-Length", length.ToString(CultureInfo.InvariantCulture))];

    private static Task Send(Stream stream, (string, string)[] headers, ReadOnlyMemory<byte> body, CancellationToken ct)
        => HostileSource.WriteAsync(stream, 200, [("Content-Type", "application/octet-stream"), .. headers], body, ct);

    private static byte[] Flipped(byte[] content)
    {
        var copy = (byte[])content.Clone();
        copy[copy.Length / 2] ^= 0x01;
        return copy;
    }

    private static byte[] Longer(byte[] content) => [.. content, .. new byte[100]];

    private static async Task ChunkedGarbageAsync(Stream stream, byte[] content, CancellationToken ct)
    {
        var half = content.Length / 2;
        await HostileSource.WriteAsync(stream, 200, [("Content-Type", "application/octet-stream"), ("Transfer-Encoding", "chunked")], ReadOnlyMemory<byte>.Empty, ct);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(half.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), ct);
        await stream.WriteAsync(content.AsMemory(0, half), ct);
        await stream.WriteAsync("\r\nzz;not-a-size\r\ngarbage\r\n"u8.ToArray(), ct);
    }

    private static async Task DripAsync(Stream stream, byte[] content, int lead, CancellationToken ct)
    {
        var sent = Math.Min(lead, content.Length - 1);
        await Send(stream, Length(content.Length), content.AsMemory(0, sent), ct);
        while (sent < content.Length)
        {
            // Pacing of the scripted source, not synchronisation: the client decides when this ends (by closing).
            await Task.Delay(DripInterval, ct);
            var next = Math.Min(3, content.Length - sent);
            await stream.WriteAsync(content.AsMemory(sent, next), ct);
            await stream.FlushAsync(ct);
            sent += next;
        }
    }

    private static async Task StallAsync(Stream stream, byte[] content, int lead, CancellationToken ct)
    {
        await Send(stream, Length(content.Length), content.AsMemory(0, Math.Min(lead, content.Length - 1)), ct);

        // Returns when the client closes the connection (or the test ends).
        _ = await stream.ReadAsync(new byte[1], ct);
    }
}
