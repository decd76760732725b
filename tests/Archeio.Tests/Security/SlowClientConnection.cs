using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Archeio.Tests.Security;

/// <summary>
/// A slowloris client: one TCP connection that sends <c>prefix</c> at once (waiting for its answer when it is a whole
/// request), then trickles the bytes of <c>trickle</c> one at a time every <see cref="Interval"/>, never finishing its
/// headers, until the server closes the connection. The pacing is the attack itself, not a synchronisation.
/// </summary>
internal sealed class SlowClientConnection : IDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly MemoryStream _received = new();
    private readonly TaskCompletionSource _trickling = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstAnswer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _trickleStarted;
    private long _closed;

    /// <summary>Completes when the first trickled byte has been sent.</summary>
    public Task Trickling => _trickling.Task;

    /// <summary>Whether the server has closed (or reset) the connection.</summary>
    public bool Closed => Interlocked.Read(ref _closed) != 0;

    /// <summary>From the first trickled byte to the server closing the connection.</summary>
    public TimeSpan CutAfter => Closed ? TimeProvider.System.GetElapsedTime(_trickleStarted, Interlocked.Read(ref _closed)) : TimeSpan.MaxValue;

    public int BytesTrickled { get; private set; }

    /// <summary>Everything the server sent.</summary>
    public string Response
    {
        get
        {
            lock (_received)
            {
                return Encoding.ASCII.GetString(_received.ToArray());
            }
        }
    }

    /// <summary>Runs the attack until the server closes the connection or <paramref name="limit"/> passes.</summary>
    public async Task RunAsync(int port, string prefix, string trickle, TimeSpan limit)
    {
        using var stop = new CancellationTokenSource(limit);
        await _socket.ConnectAsync(IPAddress.Loopback, port, stop.Token);
        var reading = ReadUntilClosedAsync(stop.Token);
        if (prefix.Length > 0)
        {
            await _socket.SendAsync(Encoding.ASCII.GetBytes(prefix), SocketFlags.None, stop.Token);
            if (prefix.EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                // A whole request: its answer first, so that the trickle is the next request on a kept-alive connection.
                await Task.WhenAny(_firstAnswer.Task, reading).WaitAsync(stop.Token);
            }
        }

        _trickleStarted = TimeProvider.System.GetTimestamp();
        using var timer = new PeriodicTimer(Interval);
        try
        {
            foreach (var b in Encoding.ASCII.GetBytes(trickle))
            {
                if (Closed)
                {
                    break;
                }

                await _socket.SendAsync(new[] { b }, SocketFlags.None, stop.Token);
                BytesTrickled++;
                _trickling.TrySetResult();
                var tick = timer.WaitForNextTickAsync(stop.Token).AsTask();
                await Task.WhenAny(tick, reading);
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // Closed by the server under the sender's feet, or the limit passed: the reader has the answer.
        }

        _trickling.TrySetResult();
        await reading;
    }

    private async Task ReadUntilClosedAsync(CancellationToken cancellation)
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellation);
                if (read == 0)
                {
                    break;
                }

                lock (_received)
                {
                    _received.Write(buffer, 0, read);
                }

                if (Response.Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    _firstAnswer.TrySetResult();
                }
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }
        catch (SocketException)
        {
            // A reset counts as closed.
        }

        Interlocked.Exchange(ref _closed, TimeProvider.System.GetTimestamp());
    }

    public void Dispose()
    {
        _socket.Dispose();
        _received.Dispose();
    }
}
