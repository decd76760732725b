using System.Net.Sockets;
using System.Text;

namespace Archeio.Tests.Support;

/// <summary>HTTP/1.1 over a plain socket, for requests no HTTP client would send.</summary>
internal static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="request"/> as written and reads until the server closes the connection
    /// (or <paramref name="limit"/> passes). Returns what was read and how long it took.
    /// </summary>
    public static async Task<(string Response, TimeSpan Elapsed, bool Closed)> SendAsync(int port, string request, TimeSpan limit)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        var started = TimeProvider.System.GetTimestamp();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(limit);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, timeout.Token);
                if (read == 0)
                {
                    return (Encoding.ASCII.GetString(received.ToArray()), TimeProvider.System.GetElapsedTime(started), true);
                }

                received.Write(buffer, 0, read);
            }
        }
        catch (OperationCanceledException)
        {
            return (Encoding.ASCII.GetString(received.ToArray()), TimeProvider.System.GetElapsedTime(started), false);
        }
        catch (IOException)
        {
            // A reset counts as closed.
            return (Encoding.ASCII.GetString(received.ToArray()), TimeProvider.System.GetElapsedTime(started), true);
        }
    }
}
