using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>
/// Two real Archeio processes with the real cloud ranges and three loopback mirrors whose names reveal where the
/// server believed the client to be: AWS eu-west-3 → <c>aws</c>, GCP → <c>gcp</c>, everyone else → <c>elsewhere</c>.
/// Every mirror holds the blob asked for, so the mirror in the <c>Location</c> is the location decision itself.
/// <see cref="Untrusted"/> trusts <c>X-Forwarded-For</c> only from 10.0.0.0/8, which the test's loopback peer is not in;
/// <see cref="Google"/> trusts 127.0.0.0/8 and reads the Google Cloud load balancer's <c>&lt;client&gt;, &lt;lb&gt;</c>
/// (<c>ForwardedForSkip</c> 1). See docs/request-handling.md, "Client address".
/// </summary>
public sealed class SpoofingBed : IAsyncLifetime, IDisposable
{
    /// <summary>A blob request: only blob requests resolve the client (docs/request-handling.md, 9.1).</summary>
    internal const string BlobTarget = "/v2/pause/blobs/" + Digests.Pause;

    private readonly List<TempConfig> _configs = [];
    private LoopbackMirror _aws = null!;
    private LoopbackMirror _gcp = null!;
    private LoopbackMirror _elsewhere = null!;

    internal ServerProcess Untrusted { get; private set; } = null!;

    internal ServerProcess Google { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _aws = await LoopbackMirror.StartAsync();
        _gcp = await LoopbackMirror.StartAsync();
        _elsewhere = await LoopbackMirror.StartAsync();
        foreach (var mirror in new[] { _aws, _gcp, _elsewhere })
        {
            mirror.Add(Digests.Pause);
        }

        var untrusted = StartAsync("10.0.0.0/8");
        var google = StartAsync("127.0.0.0/8");
        Untrusted = await untrusted;
        Google = await google;
    }

    /// <summary>
    /// Sends a blob request with <paramref name="headerLines"/> (CRLF-separated, as written on the wire) from
    /// <paramref name="from"/> (127.0.0.1 by default) and names the answer: the mirror redirected to
    /// (<c>aws</c>, <c>gcp</c>, <c>elsewhere</c>), <c>upstream</c>, or <c>status NNN</c> for anything but a 307.
    /// </summary>
    internal async Task<string> DecisionAsync(ServerProcess server, string headerLines, IPAddress? from = null)
    {
        var response = await SendAsync(from ?? IPAddress.Loopback, server.Port, headerLines);
        var statusLine = response[..Math.Max(0, response.IndexOf("\r\n", StringComparison.Ordinal))];
        if (!statusLine.StartsWith("HTTP/1.1 307 ", StringComparison.Ordinal))
        {
            return "status " + (statusLine.Length >= 12 ? statusLine[9..12] : $"none ({response.Length} bytes: '{statusLine}')");
        }

        var location = response.Split("\r\n").Single(line => line.StartsWith("Location: ", StringComparison.OrdinalIgnoreCase))["Location: ".Length..];
        foreach (var (name, mirror) in new[] { ("aws", _aws), ("gcp", _gcp), ("elsewhere", _elsewhere) })
        {
            if (location == mirror.BaseUrl + "/containers/images/" + Digests.Pause)
            {
                return name;
            }
        }

        return location.StartsWith("https://upstream.example/", StringComparison.Ordinal) ? "upstream" : "unexpected Location " + location;
    }

    private static async Task<string> SendAsync(IPAddress address, int port, string headerLines)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(address, port);
        var request = $"GET {BlobTarget} HTTP/1.1\r\nHost: registry.example\r\nConnection: close\r\n"
            + (headerLines.Length == 0 ? string.Empty : headerLines + "\r\n") + "\r\n";
        await socket.SendAsync(Encoding.Latin1.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        return Encoding.Latin1.GetString(received.ToArray());
    }

    private async Task<ServerProcess> StartAsync(string trustedNetwork)
    {
        var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["ClientIp"] = new JsonObject { ["ForwardedForSkip"] = 1, ["TrustedNetworks"] = new JsonArray(trustedNetwork) },
            ["Mirrors"] = new JsonArray(
                new JsonObject { ["Name"] = "aws", ["BlobUrl"] = _aws.BlobUrlTemplate },
                new JsonObject { ["Name"] = "gcp", ["BlobUrl"] = _gcp.BlobUrlTemplate },
                new JsonObject { ["Name"] = "elsewhere", ["BlobUrl"] = _elsewhere.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "AWS", ["Regions"] = new JsonArray("eu-west-3") }, ["Mirrors"] = new JsonArray("aws") },
                new JsonObject { ["Match"] = new JsonObject { ["Cloud"] = "GCP" }, ["Mirrors"] = new JsonArray("gcp") },
                new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("elsewhere") }),
        });
        lock (_configs)
        {
            _configs.Add(config);
        }

        return await ServerProcess.StartAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = config.Path,
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });
    }

    public void Dispose()
    {
        foreach (var config in _configs)
        {
            config.Dispose();
        }
    }

    public async Task DisposeAsync()
    {
        if (Untrusted is not null)
        {
            await Untrusted.DisposeAsync();
        }

        if (Google is not null)
        {
            await Google.DisposeAsync();
        }

        foreach (var mirror in new[] { _aws, _gcp, _elsewhere })
        {
            if (mirror is not null)
            {
                await mirror.DisposeAsync();
            }
        }
    }
}
