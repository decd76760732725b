using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Archeio.Tests.TestBed;

/// <summary>
/// A mirror on 127.0.0.1 written on raw sockets, so that it can misbehave in ways a real HTTP server will not:
/// refuse connections, reset mid-response, send garbage or trickle its headers (see <see cref="FaultyMirrorMode"/>).
/// Blobs live under <c>/containers/images/&lt;digest&gt;</c> as in <c>LoopbackMirror</c>. The mode can change
/// while a server under test runs (a mirror that breaks, then recovers); <see cref="FaultyMirrorMode.Refuse"/>
/// closes the listener and any other mode opens it again on the same port.
/// </summary>
internal sealed class FaultyMirror : IAsyncDisposable
{
    /// <summary>Where the redirect modes point: a host no test serves, that a Location must never name.</summary>
    public const string RedirectHost = "elsewhere.invalid";

    private static readonly TimeSpan SlowHeadDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan TrickleInterval = TimeSpan.FromMilliseconds(100);

    private readonly Lock _lock = new();
    private readonly ConcurrentDictionary<string, bool> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentDictionary<TcpClient, bool> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private FaultyMirrorMode _mode;
    private int _inFlight;
    private int _peakInFlight;

    private FaultyMirror(int port) => Port = port;

    public int Port { get; }

    public string BaseUrl => "http://127.0.0.1:" + Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The mirror's <c>BlobUrl</c> template.</summary>
    public string BlobUrlTemplate => BaseUrl + "/containers/images/{digest}";

    /// <summary>"METHOD path" of every request read, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>The most requests this mirror was answering at once (read, and neither answered nor abandoned).</summary>
    public int PeakInFlight => Volatile.Read(ref _peakInFlight);

    public FaultyMirrorMode Mode
    {
        get { lock (_lock) { return _mode; } }
        set { SetMode(value); }
    }

    /// <summary>Starts on a free port (or none, for <see cref="FaultyMirrorMode.Refuse"/>).</summary>
    public static FaultyMirror Start(FaultyMirrorMode mode)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var mirror = new FaultyMirror(((IPEndPoint)listener.LocalEndpoint).Port);
        mirror.Listen(listener);
        mirror.SetMode(mode);
        return mirror;
    }

    public void Add(string digest) => _blobs[digest] = true;

    private void SetMode(FaultyMirrorMode mode)
    {
        lock (_lock)
        {
            _mode = mode;
            if (mode == FaultyMirrorMode.Refuse && _listener is { } listener)
            {
                // Closing the listening socket: the kernel answers new connections with RST (refused). A dead
                // mirror's established connections die with it, or a pooled one would still be answered.
                _listener = null;
                listener.Stop();
                listener.Dispose();
                foreach (var client in _open.Keys)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                }
            }
            else if (mode != FaultyMirrorMode.Refuse && _listener is null && !_stop.IsCancellationRequested)
            {
                var reopened = new TcpListener(IPAddress.Loopback, Port);
                reopened.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                reopened.Start();
                Listen(reopened);
            }
        }
    }

    private void Listen(TcpListener listener)
    {
        _listener = listener;
        _accepting = AcceptAsync(listener);
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync(_stop.Token);
                _connections.Add(ServeAsync(client));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped (Refuse, or disposed).
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        _open[client] = true;
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                while (await ReadRequestAsync(stream) is { } request)
                {
                    _requests.Enqueue(request.Method + " " + request.Path);
                    var now = Interlocked.Increment(ref _inFlight);
                    InterlockedMax(ref _peakInFlight, now);
                    try
                    {
                        if (!await AnswerAsync(client, stream, request.Method, request.Path))
                        {
                            return;
                        }
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _inFlight);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (e.g. Archeio's HEAD timed out), or the test ended.
            }
            finally
            {
                _open.TryRemove(client, out _);
            }
        }
    }

    /// <summary>Answers one request; false when the connection must not be reused.</summary>
    private async Task<bool> AnswerAsync(TcpClient client, NetworkStream stream, string method, string path)
    {
        var token = _stop.Token;
        switch (Mode)
        {
            case FaultyMirrorMode.Refuse:
                // A request that raced the listener's closing: the connection dies unanswered.
                return false;
            case FaultyMirrorMode.ResetMidResponse:
                await WriteAsync(stream, "HTTP/1.1 200 O", token);
                // Linger 0: Close sends RST instead of FIN.
                client.Client.LingerState = new LingerOption(true, 0);
                client.Client.Close();
                return false;
            case FaultyMirrorMode.ServerError:
                await WriteAsync(stream, Head(500, "Internal Server Error"), token);
                return true;
            case FaultyMirrorMode.SlowHead:
                // Until the delay passes or the client gives up and closes the connection, whichever is first.
                var closed = stream.ReadAsync(new byte[1], token).AsTask();
                if (await Task.WhenAny(closed, Task.Delay(SlowHeadDelay, token)) == closed)
                {
                    return false;
                }

                await WriteAsync(stream, Head(200, "OK", "Content-Length: 3\r\n"), token);
                return true;
            case FaultyMirrorMode.Redirect301:
            case FaultyMirrorMode.Redirect302:
            case FaultyMirrorMode.Redirect307:
                var status = Mode switch { FaultyMirrorMode.Redirect301 => 301, FaultyMirrorMode.Redirect302 => 302, _ => 307 };
                await WriteAsync(stream, Head(status, "Redirect", $"Location: https://{RedirectHost}{path}\r\n"), token);
                return true;
            case FaultyMirrorMode.NotFound:
                await WriteAsync(stream, Head(404, "Not Found"), token);
                return true;
            case FaultyMirrorMode.GarbageStatusLine:
                await WriteAsync(stream, "SPROING \u0001\u0002 nonsense\r\n\r\n", token);
                return false;
            case FaultyMirrorMode.SlowHeaders:
                foreach (var b in Encoding.ASCII.GetBytes(Head(200, "OK", "Content-Length: 3\r\nX-Padding: " + new string('x', 100) + "\r\n")))
                {
                    await stream.WriteAsync(new[] { b }, token);
                    await Task.Delay(TrickleInterval, token);
                }

                return true;
            default:
                const string prefix = "/containers/images/";
                var held = path.StartsWith(prefix, StringComparison.Ordinal) && _blobs.ContainsKey(path[prefix.Length..]);
                await WriteAsync(stream, held ? Head(200, "OK", "Content-Length: 3\r\n") : Head(404, "Not Found"), token);
                if (held && method == "GET")
                {
                    await stream.WriteAsync(new byte[] { 1, 2, 3 }, token);
                }

                return true;
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private static string Head(int status, string reason, string headers = "Content-Length: 0\r\n")
        => $"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {reason}\r\n{headers}\r\n";

    private static async Task WriteAsync(NetworkStream stream, string text, CancellationToken token)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text), token);
        await stream.FlushAsync(token);
    }

    /// <summary>Reads one request's head; null when the client closed the connection first.</summary>
    private async Task<(string Method, string Path)?> ReadRequestAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var buffer = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(buffer, _stop.Token) == 0)
            {
                return null;
            }

            head.Append((char)buffer[0]);
            if (head.Length > 64 * 1024)
            {
                return null;
            }
        }

        var parts = head.ToString().Split("\r\n")[0].Split(' ');
        return parts.Length == 3 ? (parts[0], parts[1]) : null;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_lock)
        {
            _listener?.Stop();
            _listener?.Dispose();
            _listener = null;
        }

        await _accepting;
        await Task.WhenAll(_connections);
        _stop.Dispose();
    }
}
