using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Geranos.Tests.Security;

/// <summary>
/// A source "registry" on 127.0.0.1 that speaks HTTP/1.1 by hand over raw sockets, so that a test can send what
/// Kestrel never would: a Content-Length that lies, a body cut off mid-way, chunked framing with garbage, a drip.
/// One request per connection (every answer says <c>Connection: close</c>); the handler writes the whole answer.
/// </summary>
internal sealed class HostileSource : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<HostileRequest> _requests = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly Func<HostileRequest, Stream, CancellationToken, Task> _handler;
    private Task _accepting = Task.CompletedTask;

    private HostileSource(Func<HostileRequest, Stream, CancellationToken, Task> handler) => _handler = handler;

    public Uri BaseUri => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Every request, in the order received.</summary>
    public IReadOnlyCollection<HostileRequest> Requests => _requests;

    public static HostileSource Start(Func<HostileRequest, Stream, CancellationToken, Task> handler)
    {
        var source = new HostileSource(handler);
        source._listener.Start();
        source._accepting = source.AcceptAsync();
        return source;
    }

    /// <summary>Writes a status line, headers and <c>Connection: close</c>, then <paramref name="body"/> as is.</summary>
    public static async Task WriteAsync(Stream stream, int status, IEnumerable<(string Name, string Value)> headers, ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} Scripted\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append("Connection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), ct);
        await stream.WriteAsync(body, ct);
        await stream.FlushAsync(ct);
    }

    /// <summary>A complete, honest answer with a Content-Length (no body for HEAD).</summary>
    public static Task WriteCompleteAsync(Stream stream, HostileRequest request, string contentType, byte[] body, CancellationToken ct, params (string Name, string Value)[] extra)
        => WriteAsync(
            stream,
            200,
            [("Content-Type", contentType), ("Content-Length", body.Length.ToString(CultureInfo.InvariantCulture)), .. extra],
            request.Method == "HEAD" ? ReadOnlyMemory<byte>.Empty : body,
            ct);

    public static Task WriteNotFoundAsync(Stream stream, CancellationToken ct)
        => WriteAsync(stream, 404, [("Content-Length", "0")], ReadOnlyMemory<byte>.Empty, ct);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _connections.Add(ServeAsync(client));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, _stop.Token);
                if (request is null)
                {
                    return;
                }

                _requests.Enqueue(request);
                await _handler(request, stream, _stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client gave up (it timed out, refused the body) or the test is over: both are expected here.
            }
        }
    }

    /// <summary>Reads up to the blank line ending the request head; GET and HEAD have no body.</summary>
    private static async Task<HostileRequest?> ReadRequestAsync(Stream stream, CancellationToken ct)
    {
        var head = new List<byte>();
        var one = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(one, ct) == 0)
            {
                return null;
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n')
            {
                var requestLine = Encoding.ASCII.GetString([.. head]).Split("\r\n")[0].Split(' ');
                return requestLine.Length == 3 ? new HostileRequest(requestLine[0], requestLine[1]) : null;
            }
        }

        return null;
    }
}
