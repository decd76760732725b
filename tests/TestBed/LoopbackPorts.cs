using System.Net;
using System.Net.Sockets;

namespace Archeio.TestBed;

/// <summary>Free ports on 127.0.0.1 for the bed's servers, and bounded polling until they listen.</summary>
internal static class LoopbackPorts
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// <paramref name="count"/> distinct ports the OS had free a moment ago (all bound at once, then released).
    /// Another process may still take one before the caller binds it: callers retry on "address in use".
    /// </summary>
    public static IReadOnlyList<int> Free(int count)
    {
        var listeners = new List<TcpListener>(count);
        try
        {
            for (var i = 0; i < count; i++)
            {
                var listener = new TcpListener(IPAddress.Loopback, 0);
                listeners.Add(listener);
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
                listener.Dispose();
            }
        }
    }

    public static int Free() => Free(1)[0];

    /// <summary>
    /// A free port kept bound (not listening) until disposed: for a server configured into its peers long before it
    /// starts. Meanwhile the OS hands the port to no one else, not even as the local port of an outgoing connection,
    /// which a port that is merely free a moment ago can become (the pull bed's pushes make hundreds).
    /// </summary>
    public static PortReservation Reserve()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return new PortReservation(socket);
    }

    /// <summary>
    /// Polls until every port accepts a TCP connection (true), or <paramref name="gaveUp"/> says the
    /// server died, or <paramref name="timeout"/> passes (false).
    /// </summary>
    public static async Task<bool> WaitUntilListeningAsync(IEnumerable<int> ports, Func<bool> gaveUp, TimeSpan timeout)
    {
        var started = TimeProvider.System.GetTimestamp();
        var pending = new Queue<int>(ports);
        while (pending.Count > 0)
        {
            if (gaveUp())
            {
                return false;
            }

            if (await AcceptsAsync(pending.Peek()))
            {
                pending.Dequeue();
                continue;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                return false;
            }

            await Task.Delay(PollInterval);
        }

        return true;
    }

    private static async Task<bool> AcceptsAsync(int port)
    {
        using var client = new TcpClient(AddressFamily.InterNetwork);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, cancel.Token);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>A port held by <see cref="LoopbackPorts.Reserve"/>; disposing releases it for its server to bind.</summary>
internal sealed class PortReservation(Socket socket) : IDisposable
{
    public int Port { get; } = ((IPEndPoint)socket.LocalEndPoint!).Port;

    public void Dispose() => socket.Dispose();
}
