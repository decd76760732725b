using System.Net;
using System.Net.Sockets;
using Archeio.Configuration;
using Archeio.Oci.MediaTypes;
using Archeio.Upstreams;
using Microsoft.Extensions.DependencyInjection;

namespace Archeio.Tests.Upstreams;

/// <summary>The upstream probe against a scripted loopback registry, through the server's own registration.</summary>
public sealed class UpstreamProberTests : IAsyncLifetime
{
    private ProbedRegistry _registry = null!;
    private ServiceProvider? _services;

    public async Task InitializeAsync() => _registry = await ProbedRegistry.StartAsync();

    public async Task DisposeAsync()
    {
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }

        await _registry.DisposeAsync();
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(401, true)]
    [InlineData(404, true)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public async Task The_api_version_check_is_alive_below_500_a_401_included(int status, bool passes)
    {
        _registry.ApiStatus = status;

        var report = await Prober().ProbeAsync(Upstream(probe: null), default);

        Assert.Equal(passes, report.Passed);
        Assert.Equal($"GET /v2/ answered {status}", report.Detail);
        Assert.Equal(passes ? null : report.Detail, report.FailureReason);
        // A 401 of /v2/ is the answer: no token is fetched for it.
        Assert.Equal(["GET /v2/"], _registry.Requests);
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(404, false)]
    [InlineData(403, false)]
    [InlineData(503, false)]
    public async Task The_probe_manifest_must_answer_200_to_a_head_that_accepts_every_manifest_type(int status, bool passes)
    {
        _registry.ManifestStatus = status;

        var report = await Prober().ProbeAsync(Upstream(new ManifestProbe("pause", "3.10")), default);

        Assert.Equal(passes, report.Passed);
        Assert.Equal($"GET /v2/ answered 200; HEAD pause:3.10 answered {status}", report.Detail);
        Assert.Equal(["GET /v2/", "HEAD /v2/project/pause/manifests/3.10"], _registry.Requests);
        Assert.All(ManifestMediaTypes.All, type => Assert.Contains(type, _registry.LastAccept, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dead_api_check_skips_the_manifest()
    {
        _registry.ApiStatus = 502;

        var report = await Prober().ProbeAsync(Upstream(new ManifestProbe("pause", "3.10")), default);

        Assert.Equal("GET /v2/ answered 502", report.FailureReason);
        Assert.Equal(["GET /v2/"], _registry.Requests);
    }

    [Fact]
    public async Task A_registry_that_wants_a_token_for_the_manifest_gets_an_anonymous_one_once()
    {
        _registry.RequireToken = true;
        var prober = Prober();
        var upstream = Upstream(new ManifestProbe("pause", "3.10"));

        var first = await prober.ProbeAsync(upstream, default);
        var second = await prober.ProbeAsync(upstream, default);

        Assert.True(first.Passed, first.Detail);
        Assert.True(second.Passed, second.Detail);
        // The token is cached: the second probe sends it at once.
        Assert.Equal(1, _registry.Count("GET /token"));
        Assert.Equal(3, _registry.Count("HEAD /v2/project/pause/manifests/3.10"));
    }

    [Fact]
    public async Task A_refused_connection_fails_with_its_reason()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var report = await Prober().ProbeAsync(new UpstreamSettings($"http://127.0.0.1:{port}", "", null, ""), default);

        Assert.False(report.Passed);
        Assert.Contains("refused", report.FailureReason, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_fails_after_the_timeout()
    {
        _registry.Hang = true;

        var report = await Prober(TimeSpan.FromMilliseconds(300)).ProbeAsync(Upstream(probe: null), default);

        Assert.Equal("no answer within 0.3 s", report.FailureReason);
        // Timers count in the system's coarse ticks: one may fire a millisecond or so before a stopwatch says 300 ms.
        Assert.True(report.Elapsed >= TimeSpan.FromMilliseconds(290), report.Elapsed.ToString());
    }

    private UpstreamSettings Upstream(ManifestProbe? probe) => new(_registry.Endpoint, "project", null, "project") { ProbeManifest = probe };

    private UpstreamProber Prober(TimeSpan? timeout = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton(Support.TestSettings.Create() with
        {
            UpstreamHealth = UpstreamHealthSettings.Default with { Timeout = timeout ?? TimeSpan.FromSeconds(5) },
        });
        services.AddSingleton(TimeProvider.System);
        UpstreamProber.AddTo(services);
        _services = services.BuildServiceProvider();
        return _services.GetRequiredService<UpstreamProber>();
    }
}
