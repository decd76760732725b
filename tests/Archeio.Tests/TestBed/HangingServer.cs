using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Archeio.Tests.TestBed;

/// <summary>
/// A mirror that hangs: it accepts TCP connections on 127.0.0.1 and never answers, so that a HEAD to
/// it only ends by the caller's timeout. Counts the connections it accepted.
/// </summary>
internal sealed class HangingServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentBag<TcpClient> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _accepted;

    public HangingServer()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref _accepted);

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _clients.Add(await _listener.AcceptTcpClientAsync(_stop.Token));
                Interlocked.Increment(ref _accepted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _accepting;
        _listener.Stop();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _stop.Dispose();
    }
}
