using System.Text.Json.Nodes;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Ranges;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Support;

/// <summary>
/// The three providers' real range files (<see cref="SharedData"/>) served from one loopback server, each with an
/// <c>ETag</c>, and the environment that points the embedded profile's <c>Ranges</c> at them, so that
/// <c>archeio ranges fetch</c> and the server, with nothing else configured, fetch from here. Disposing it closes
/// the port: the same URLs then refuse connections, as providers out of reach do. One path can be made to fail.
/// </summary>
internal sealed class LoopbackProviders : IAsyncDisposable
{
    public const string ETag = "\"baked-1\"";

    /// <summary>An AWS client of eu-west-3 (in the real <c>ip-ranges.json</c>) and the embedded profile's mirror for it.</summary>
    public const string AwsClient = "35.180.1.1";

    public const string AwsClientMirror = "aws-eu-west-3";

    private LoopbackServer? _server;

    private LoopbackProviders()
    {
    }

    /// <summary>The URL of each of the embedded profile's sources, in its order (AWS, GCP, Azure).</summary>
    public IReadOnlyList<string> Urls { get; private set; } = [];

    /// <summary>Paths answered 404 (e.g. Azure's dated file removed), set by a test.</summary>
    public HashSet<string> Missing { get; } = new(StringComparer.Ordinal);

    public static async Task<LoopbackProviders> StartAsync()
    {
        var providers = new LoopbackProviders();
        providers._server = await LoopbackServer.StartAsync(providers.HandleAsync);
        providers.Urls = [.. ArcheioSettingsReader.RangesDirectoryFiles.Select(f => providers._server.BaseUrl + "/" + f.FileName)];
        return providers;
    }

    /// <summary><c>Archeio__Ranges__N__Source</c> for each source of the embedded profile.</summary>
    public Dictionary<string, string> Environment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < Urls.Count; i++)
        {
            environment[$"Archeio__Ranges__{i}__Source"] = Urls[i];
        }

        return environment;
    }

    /// <summary>The index of the mirror <paramref name="name"/> in the embedded profile (for <c>Archeio__Mirrors__N__BlobUrl</c>).</summary>
    public static int EmbeddedMirrorIndex(string name)
    {
        var profile = JsonNode.Parse(File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "src", "Archeio", "Configuration", "archeio.default.json")))!;
        var mirrors = profile["Archeio"]!["Mirrors"]!.AsArray();
        var index = mirrors.Select(m => (string?)m!["Name"]).ToList().IndexOf(name);
        Assert.True(index >= 0, $"the embedded profile has no mirror '{name}'");
        return index;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var name = (context.Request.Path.Value ?? string.Empty).TrimStart('/');
        var file = ArcheioSettingsReader.RangesDirectoryFiles.Where(f => f.FileName == name).Select(f => SharedData.CloudRangesFile(f.FileName)).FirstOrDefault();
        if (file is null || Missing.Contains(name))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        context.Response.Headers.ETag = ETag;
        context.Response.ContentType = "application/json";
        await context.Response.SendFileAsync(file);
    }
}
