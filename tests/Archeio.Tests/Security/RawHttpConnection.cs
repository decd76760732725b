using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Archeio.Tests.Security;

/// <summary>
/// One keep-alive HTTP/1.1 connection on a plain socket, for requests no HTTP client would send and for reading
/// several answers in order (pipelining). Responses are framed by <c>Content-Length</c>, chunked encoding, or the
/// connection's close; a <c>HEAD</c> answer has no body whatever its headers say.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>True once the server has closed (or reset) the connection.</summary>
    public bool Closed { get; private set; }

    public static async Task<RawHttpConnection> OpenAsync(int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync("127.0.0.1", port);
        return new RawHttpConnection(client);
    }

    /// <summary>Writes the bytes; false when the server had already closed the connection.</summary>
    public async Task<bool> WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken);
            return true;
        }
        catch (IOException)
        {
            Closed = true;
            return false;
        }
    }

    /// <summary>
    /// Reads one response; null when the connection closed before a complete one arrived. Throws
    /// <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires first.
    /// </summary>
    public async Task<RawHttpResponse?> ReadResponseAsync(bool head, CancellationToken cancellationToken)
    {
        while (true)
        {
            var headerEnd = IndexOf("\r\n\r\n"u8);
            if (headerEnd >= 0)
            {
                var headText = Encoding.Latin1.GetString(_buffer, _start, headerEnd - _start);
                _start = headerEnd + 4;
                var lines = headText.Split("\r\n");
                var statusLine = lines[0].Split(' ', 3);
                if (statusLine.Length < 2 || !statusLine[0].StartsWith("HTTP/", StringComparison.Ordinal)
                    || !int.TryParse(statusLine[1], NumberStyles.None, CultureInfo.InvariantCulture, out var status))
                {
                    throw new InvalidDataException($"not an HTTP status line: {lines[0]}");
                }

                var headers = lines.Skip(1).Select(line => line.Split(':', 2)).Where(p => p.Length == 2).Select(p => (p[0].Trim(), p[1].Trim())).ToList();
                var response = new RawHttpResponse(status, headers);
                if (status is >= 100 and < 200)
                {
                    // Interim (100 Continue): the final answer follows.
                    continue;
                }

                await SkipBodyAsync(response, head, cancellationToken);
                return response;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    /// <summary>Waits until the server closes the connection (true) or <paramref name="cancellationToken"/> fires (false); data read meanwhile is dropped.</summary>
    public async Task<bool> WaitForCloseAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await FillAsync(cancellationToken))
            {
                _start = _end;
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task SkipBodyAsync(RawHttpResponse response, bool head, CancellationToken cancellationToken)
    {
        if (head || response.Status is 204 or 304)
        {
            return;
        }

        if (response.Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            while (true)
            {
                var line = await ReadLineAsync(cancellationToken);
                var size = int.Parse(line.Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                await SkipAsync(size + 2, cancellationToken);
                if (size == 0)
                {
                    return;
                }
            }
        }

        if (response.Header("Content-Length") is { } length)
        {
            await SkipAsync(int.Parse(length, CultureInfo.InvariantCulture), cancellationToken);
            return;
        }

        // Neither: the body runs to the close.
        await WaitForCloseAsync(cancellationToken);
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var end = IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, end - _start);
                _start = end + 2;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                throw new InvalidDataException("closed inside a chunked body");
            }
        }
    }

    private async Task SkipAsync(int count, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (_start == _end && !await FillAsync(cancellationToken))
            {
                throw new InvalidDataException("closed inside a body");
            }

            var skipped = Math.Min(count, _end - _start);
            _start += skipped;
            count -= skipped;
        }
    }

    private int IndexOf(ReadOnlySpan<byte> value)
    {
        var at = _buffer.AsSpan(_start, _end - _start).IndexOf(value);
        return at < 0 ? -1 : _start + at;
    }

    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (Closed)
        {
            return false;
        }

        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("response headers larger than the buffer");
        }

        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        }
        catch (IOException)
        {
            read = 0;
        }

        if (read == 0)
        {
            Closed = true;
            return false;
        }

        _end += read;
        return true;
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}
