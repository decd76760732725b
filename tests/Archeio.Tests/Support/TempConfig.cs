using System.Text.Json.Nodes;

namespace Archeio.Tests.Support;

/// <summary>A configuration file written for one test, deleted afterwards.</summary>
internal sealed class TempConfig : IDisposable
{
    public TempConfig(JsonObject archeio)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"archeio-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(Path, new JsonObject { ["Archeio"] = archeio }.ToJsonString());
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
