using System.Collections.Immutable;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.Probes;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Archeio.Sources;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.Probes;

/// <summary>The probe schedule and the rotation it drives, on a fake clock against real loopback targets.</summary>
public sealed class ProbeServiceTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new();
    private readonly StubHttpHandler _heads = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = true, UseCookies = false });
    private readonly List<ProbeReport> _reports = [];
    private ProbeTarget _first = null!;
    private ProbeTarget _second = null!;
    private BlobChecker _checker = null!;
    private ProbeService _service = null!;
    private ArcheioSettings _settings = null!;

    public async Task InitializeAsync()
    {
        _first = await ProbeTarget.StartAsync(4096);
        _second = await ProbeTarget.StartAsync(2048);
    }

    public async Task DisposeAsync()
    {
        if (_service is not null)
        {
            await _service.StopAsync(default);
        }

        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    public void Dispose()
    {
        _service?.Dispose();
        _checker?.Dispose();
        _http.Dispose();
        _heads.Dispose();
    }

    [Fact]
    public async Task Probes_are_spread_over_the_interval_and_each_mirror_is_probed_once_per_interval()
    {
        await StartAsync();

        // First mirror at once, the second half an interval later, then each once per interval.
        await Eventually.TrueAsync(() => _first.Requests.Count == 3, "the first mirror's first probe");
        Assert.Empty(_second.Requests);
        _time.Advance(Interval / 2);
        await Eventually.TrueAsync(() => _second.Requests.Count == 3, "the second mirror's first probe");
        Assert.Equal(3, _first.Requests.Count);
        _time.Advance(Interval / 2 - TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _reports.Count == 2, "two reports");
        Assert.Equal(3, _first.Requests.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => _first.Requests.Count == 6, "the first mirror's second probe");
        Assert.Equal(3, _second.Requests.Count);
    }

    [Fact]
    public async Task A_failed_probe_takes_the_mirror_out_until_a_probe_passes()
    {
        _first.Mode = TargetMode.RangeRefused;
        await StartAsync();

        await Eventually.TrueAsync(() => _checker.OutOfRotation(Mirror(0)) is not null, "the first mirror out of rotation");
        Assert.Equal("range: GET with Range: bytes=0-1023 answered 400", _checker.OutOfRotation(Mirror(0))!.Reason);
        Assert.False(await _checker.ExistsAsync(Mirror(0), "pause", _first.Digest, default));
        Assert.Equal(0, _heads.Count);

        // The target is mended; the next probe, an interval later, brings the mirror back.
        _first.Mode = TargetMode.Good;
        _time.Advance(Interval);
        await Eventually.TrueAsync(() => _checker.OutOfRotation(Mirror(0)) is null, "the first mirror back in rotation");
        Assert.Equal(BreakerState.Closed, _checker.BreakerOf(Mirror(0)));
        Assert.True(await _checker.ExistsAsync(Mirror(0), "pause", _first.Digest, default));
    }

    [Fact]
    public async Task At_most_MaxConcurrent_probes_run_at_once_and_a_waiting_probe_goes_when_a_slot_frees()
    {
        _first.Mode = TargetMode.Hang;
        // The first probe times out at 20 s, after the second's turn (15 s) and before the first's next one (30 s): the
        // freed slot can only go to the second, however late the thread that ends the second's delay runs.
        await StartAsync(ProbeSettings.Default with { Interval = Interval, Timeout = TimeSpan.FromSeconds(20), MaxConcurrent = 1 });
        await Eventually.TrueAsync(() => _first.Requests.Count == 1, "the first mirror's HEAD, held");

        _time.Advance(Interval / 2);
        // Whether or not the second probe's delay has run, it cannot have a slot while the first hangs; the first
        // report arrives only after its timeout.
        Assert.Empty(_reports);
        Assert.Empty(_second.Requests);

        _time.Advance(TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => _second.Requests.Count == 3, "the second mirror's probe, once the first timed out");
        Assert.Contains(_reports, r => r.Mirror.Name == "first" && r.FailureReason!.StartsWith("head: timed out", StringComparison.Ordinal));
    }

    [Fact]
    public void The_offsets_divide_the_interval_evenly()
    {
        Assert.Equal(
            [TimeSpan.Zero, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20)],
            Enumerable.Range(0, 3).Select(i => RefreshSchedule.OffsetOf(i, 3, Interval)));
    }

    private MirrorSettings Mirror(int index) => _settings.Mirrors[index];

    private async Task StartAsync(ProbeSettings? probes = null)
    {
        var mirrors = ImmutableArray.Create(
            new MirrorSettings("first", _first.BlobUrlTemplate, 0, null, new MirrorProbe("", _first.Digest)),
            new MirrorSettings("second", _second.BlobUrlTemplate, 1, null, new MirrorProbe("", _second.Digest)),
            new MirrorSettings("unprobed", "https://unprobed.example/{digest}", 2));
        _settings = TestSettings.Create(mirrors) with { Probes = probes ?? ProbeSettings.Default with { Interval = Interval } };
        _checker = new BlobChecker(new StubHttpClientFactory(_heads), _settings, new MirrorInventories(), NullBlobResultStore.Instance, new BlobCheckCounters(), _time, NullLogger<BlobChecker>.Instance);
        var prober = new MirrorProber(_http, _settings.Probes, _time);
        _service = new ProbeService(_settings, _checker, prober, _time, NullLogger<ProbeService>.Instance, new Recorder(_reports));
        await _service.StartAsync(default);
    }

    private sealed class Recorder(List<ProbeReport> reports) : IProbeObserver
    {
        public void OnProbe(ProbeReport report)
        {
            lock (reports)
            {
                reports.Add(report);
            }
        }
    }
}
