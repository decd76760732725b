using System.Collections;
using System.Globalization;
using System.Net;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.Upstreams;

namespace Archeio.Tests.Hosting;

/// <summary>
/// The server's health service, board and router together in the test host, with real loopback upstreams on a real
/// clock (a 1 s interval): an upstream whose probe fails is ejected, listed in <c>/readyz</c> (which stays 200), and
/// skipped by requests until it recovers.
/// </summary>
public sealed class UpstreamHealthHostingTests : IAsyncLifetime, IDisposable
{
    private const int MetricsPort = 19_998;

    private ProbedRegistry _first = null!;
    private ProbedRegistry _second = null!;
    private ArcheioFactory _factory = null!;

    public async Task InitializeAsync()
    {
        _first = await ProbedRegistry.StartAsync();
        _second = await ProbedRegistry.StartAsync();
        _first.ApiStatus = 503;
        _factory = new ArcheioFactory(null, new Hashtable
        {
            ["Archeio__Metrics__Port"] = MetricsPort.ToString(CultureInfo.InvariantCulture),
            ["Archeio__Upstream__Endpoint"] = _first.Endpoint,
            ["Archeio__Upstream__Path"] = "",
            ["Archeio__Upstreams__0__Name"] = "second",
            ["Archeio__Upstreams__0__Endpoint"] = _second.Endpoint,
            ["Archeio__UpstreamFailover__0"] = "default",
            ["Archeio__UpstreamFailover__1"] = "second",
            ["Archeio__UpstreamHealth__Interval"] = "00:00:01",
            ["Archeio__UpstreamHealth__FailAfter"] = "2",
            ["Archeio__UpstreamHealth__RecoverAfter"] = "1",
        });
        _ = _factory.Server;
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    public void Dispose() => _factory?.Dispose();

    [Fact]
    public async Task A_failing_upstream_is_ejected_listed_in_readyz_skipped_and_back_after_it_recovers()
    {
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Body.Contains("upstream default: ejected", StringComparison.Ordinal), "the first upstream listed as ejected");
        var (status, body) = await ReadyzAsync();
        Assert.Equal(200, status);
        Assert.Matches(@"^ok\nupstream default: ejected for \d+ s \(since \S+Z\), probe failed: GET /v2/ answered 503\n$", body);
        Assert.Equal(_second.Endpoint + "/v2/pause/manifests/v1", await ManifestLocationAsync());

        _first.ApiStatus = 200;
        await Eventually.TrueAsync(async () => (await ReadyzAsync()).Body == "ok\n", "the first upstream recovered");
        Assert.Equal(_first.Endpoint + "/v2/pause/manifests/v1", await ManifestLocationAsync());
        // One probe per interval: two failures and a pass took at least two intervals, and each probe is one GET /v2/.
        Assert.All(_first.Requests, r => Assert.Equal("GET /v2/", r));
    }

    [Fact]
    public async Task Requests_never_wait_for_a_probe_even_of_an_upstream_that_hangs()
    {
        _first.ApiStatus = 200;
        _first.Hang = true;
        await Eventually.TrueAsync(() => _first.Held >= 1, "a probe held by the hanging upstream");

        // The probe hangs until its timeout (5 s by default); the request is answered from the view as it stands.
        var answered = ManifestLocationAsync();
        Assert.Same(answered, await Task.WhenAny(answered, Task.Delay(TimeSpan.FromSeconds(2))));
        Assert.Equal(_first.Endpoint + "/v2/pause/manifests/v1", await answered);
    }

    private async Task<string?> ManifestLocationAsync()
    {
        var context = await _factory.SendRawAsync("GET", "/v2/pause/manifests/v1", IPAddress.Parse("203.0.113.9"));
        Assert.Equal(307, context.Response.StatusCode);
        return context.Response.Headers.Location;
    }

    private async Task<(int Status, string Body)> ReadyzAsync()
    {
        var context = await _factory.SendToPortAsync(MetricsPort, "GET", "/readyz");
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }
}
