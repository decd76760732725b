using System.Text.Json.Nodes;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>The real Archeio process (one catch-all rule, one loopback mirror) shared by a class of slow-client tests.</summary>
public sealed class SlowClientServer : IAsyncLifetime, IDisposable
{
    private LoopbackMirror _mirror = null!;
    private TempConfig _config = null!;

    internal ServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _mirror = await LoopbackMirror.StartAsync();
        _mirror.Add(Digests.Pause);
        _config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "m", ["BlobUrl"] = _mirror.BlobUrlTemplate }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("m") }),
        });
        Server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = _config.Path });
    }

    public void Dispose() => _config?.Dispose();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }

        await _mirror.DisposeAsync();
    }
}
