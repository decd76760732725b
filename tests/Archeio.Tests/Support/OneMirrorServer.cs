using System.Text.Json.Nodes;
using Archeio.TestBed;

namespace Archeio.Tests.Support;

/// <summary>
/// The real Archeio process with one loopback mirror (holding <see cref="Digests.Pause"/>) under a single catch-all
/// rule: the set-up shared by the Kestrel-limit, slow-client and idle-connection tests.
/// </summary>
internal sealed class OneMirrorServer : IAsyncDisposable
{
    private readonly TempConfig _config;

    private OneMirrorServer(LoopbackMirror mirror, TempConfig config, ServerProcess server)
    {
        Mirror = mirror;
        _config = config;
        Server = server;
    }

    public LoopbackMirror Mirror { get; }

    public ServerProcess Server { get; }

    /// <summary>Starts the mirror and the server; <paramref name="environment"/> is added to the server's.</summary>
    public static async Task<OneMirrorServer> StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digests.Pause);
        var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "m", ["BlobUrl"] = mirror.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("m") }),
        });
        var variables = new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            variables[name] = value;
        }

        try
        {
            return new OneMirrorServer(mirror, config, await ServerProcess.StartAsync(variables));
        }
        catch
        {
            config.Dispose();
            await mirror.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await Mirror.DisposeAsync();
        _config.Dispose();
    }
}
