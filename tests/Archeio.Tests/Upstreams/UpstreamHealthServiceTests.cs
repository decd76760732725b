using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Upstreams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Upstreams;

/// <summary>The probe schedule and the ejections it drives, on a fake clock against real loopback registries.</summary>
public sealed class UpstreamHealthServiceTests : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly FakeTimeProvider _time = new();
    private readonly ListLogger<UpstreamHealthService> _log = new();
    private ProbedRegistry _first = null!;
    private ProbedRegistry _second = null!;
    private ServiceProvider _services = null!;
    private UpstreamHealthService _service = null!;
    private ArcheioSettings _settings = null!;

    public async Task InitializeAsync()
    {
        _first = await ProbedRegistry.StartAsync();
        _second = await ProbedRegistry.StartAsync();
        _settings = TestSettings.Create() with
        {
            Upstream = new UpstreamSettings(_first.Endpoint, "", null, ""),
            Upstreams = [new UpstreamSettings(_second.Endpoint, "", null, "") { Name = "second", Index = 1 }],
            UpstreamHealth = new UpstreamHealthSettings(Interval, TimeSpan.FromSeconds(5), FailAfter: 2, RecoverAfter: 1),
        };
        _settings = _settings with { UpstreamFailover = _settings.AllUpstreams, ProbedUpstreams = _settings.AllUpstreams };
        var services = new ServiceCollection();
        services.AddSingleton(_settings);
        services.AddSingleton<TimeProvider>(_time);
        services.AddSingleton<ILogger<UpstreamHealthService>>(_log);
        services.AddSingleton<UpstreamHealthBoard>();
        UpstreamHealthService.AddTo(services);
        _services = services.BuildServiceProvider();
        _service = _services.GetRequiredService<UpstreamHealthService>();
    }

    public async Task DisposeAsync()
    {
        await _service.StopAsync(default);
        await _services.DisposeAsync();
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    [Fact]
    public async Task Probes_are_spread_over_the_interval_and_never_more_often_than_it()
    {
        await _service.StartAsync(default);

        await Eventually.TrueAsync(() => _first.Requests.Count == 1, "the first upstream's first probe");
        Assert.Empty(_second.Requests);
        _time.Advance(Interval / 2);
        await Eventually.TrueAsync(() => _second.Requests.Count == 1, "the second upstream's first probe, half an interval later");
        _time.Advance(Interval / 2 - TimeSpan.FromSeconds(1));
        Assert.Single(_first.Requests);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _first.Requests.Count == 2, "the first upstream's second probe, an interval after its first");
        Assert.Single(_second.Requests);
        // Interval by interval: one more probe of each per interval, the second still half an interval behind.
        for (var n = 3; n <= 5; n++)
        {
            _time.Advance(Interval / 2);
            await Eventually.TrueAsync(() => _second.Requests.Count == n - 1, $"the second upstream's probe {n - 1}");
            Assert.Equal(n - 1, _first.Requests.Count);
            _time.Advance(Interval / 2);
            await Eventually.TrueAsync(() => _first.Requests.Count == n, $"the first upstream's probe {n}");
            Assert.Equal(n - 1, _second.Requests.Count);
        }
    }

    [Fact]
    public async Task A_failing_upstream_is_ejected_logged_and_recovers()
    {
        var board = _services.GetRequiredService<UpstreamHealthBoard>();
        var first = _settings.Upstream;
        _first.ApiStatus = 503;
        await _service.StartAsync(default);
        await Eventually.TrueAsync(() => board.StateOf(first).FailStreak == 1, "the first failed probe");
        Assert.False(board.Current.IsEjected(first));

        _time.Advance(Interval);
        await Eventually.TrueAsync(() => board.Current.IsEjected(first), "the first upstream ejected after two failures");
        await Eventually.TrueAsync(() => _log.Entries.Any(e => e.EventId == 90), "the ejection logged");
        var warning = Assert.Single(_log.Entries, e => e.EventId == 90);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("Upstream default is ejected: 2 probes in a row failed, the last with GET /v2/ answered 503", warning.Message, StringComparison.Ordinal);

        _first.ApiStatus = 401;
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => _log.Entries.Any(e => e.EventId == 91), "the recovery logged");
        Assert.False(board.Current.IsEjected(first));
        var recovered = Assert.Single(_log.Entries, e => e.EventId == 91);
        Assert.Contains("Upstream default has recovered: 1 probes in a row passed after 10.0 s ejected", recovered.Message, StringComparison.Ordinal);
        Assert.False(board.Current.IsEjected(_settings.Upstreams[0]));
    }
}
