using System.Net;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Hosting;

/// <summary>
/// The real server process started with <c>RangesRefresh:BakedDirectory</c> (what <c>archeio ranges fetch</c> wrote)
/// and its range URLs pointing at a closed port: the first request already routes by cloud, without the network.
/// </summary>
public sealed class BakedRangesServerTests : IDisposable
{
    private const string Digest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";

    private readonly TempDirectory _directory = new("baked-server");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task An_aws_clients_first_blob_request_is_redirected_to_its_regions_mirror_with_the_providers_unreachable()
    {
        var baked = _directory.Combine("ranges");
        Dictionary<string, string> environment;
        await using (var providers = await LoopbackProviders.StartAsync())
        {
            environment = providers.Environment();
            var fetch = await Commands.RunAsync("dotnet", [BuildOutput.Find("Archeio", "Archeio.dll"), "ranges", "fetch", "--out", baked], TimeSpan.FromMinutes(1), environment);
            Assert.True(fetch.ExitCode == 0, fetch.StandardError);
        }

        // The providers' port is closed from here on: the same URLs refuse connections.
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digest);
        environment["Archeio__RangesRefresh__BakedDirectory"] = baked;
        environment["Archeio__RangesRefresh__RequireAtStart"] = "true";
        environment[$"Archeio__Mirrors__{LoopbackProviders.EmbeddedMirrorIndex(LoopbackProviders.AwsClientMirror)}__BlobUrl"] = mirror.BlobUrlTemplate;
        environment["Archeio__Logging__Format"] = "json";
        await using var server = await ServerProcess.StartAsync(environment);

        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/pause/blobs/" + Digest));
        request.Headers.Add("X-Forwarded-For", LoopbackProviders.AwsClient + ", 130.211.0.1");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(mirror.BaseUrl + "/containers/images/" + Digest, response.Headers.Location?.ToString());
        using var ready = await http.GetAsync(new Uri(server.MetricsAddress, "/readyz"));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(3, server.StandardOutput.Count(l => l.Contains("\"EventId\":26", StringComparison.Ordinal)));
        // The live refresh runs as usual and fails (nothing listens): the baked data is kept.
        await server.WaitForLineAsync("\"EventId\":14");
    }
}
