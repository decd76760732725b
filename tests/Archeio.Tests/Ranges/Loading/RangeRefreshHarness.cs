using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Ranges.Table;
using Archeio.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// One <see cref="RangeLoadingService"/> as the host builds it (its registered HTTP client, a table
/// holder, a status) on a <see cref="FakeTimeProvider"/>, with a logger that keeps every line.
/// </summary>
internal sealed class RangeRefreshHarness : IAsyncDisposable
{
    public static readonly TimeSpan FetchTimeout = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan Interval = RangesRefreshSettings.DefaultInterval;

    private readonly ServiceProvider _services;
    private bool _started;

    private RangeRefreshHarness(ImmutableArray<RangeSourceSettings> sources, string? cacheDirectory, bool requireAtStart, FakeTimeProvider? time, string? bakedDirectory)
    {
        var services = new ServiceCollection();
        RangeLoadingService.AddTo(services);
        _services = services.BuildServiceProvider();
        Time = time ?? new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.Zero));
        var settings = TestSettings.Create() with
        {
            Ranges = sources,
            RangesRefresh = new RangesRefreshSettings(FetchTimeout, Interval, cacheDirectory, requireAtStart, bakedDirectory),
        };
        Status = new RangeStatus(settings);
        Service = new RangeLoadingService(settings, Holder, Status, _services.GetRequiredService<IHttpClientFactory>(), Time, Log);
    }

    public FakeTimeProvider Time { get; }

    public ListLogger<RangeLoadingService> Log { get; } = new();

    public IpRangeTableHolder Holder { get; } = new();

    public RangeStatus Status { get; }

    public RangeLoadingService Service { get; }

    public static RangeRefreshHarness Create(
        ImmutableArray<RangeSourceSettings> sources, string? cacheDirectory = null, bool requireAtStart = false, FakeTimeProvider? time = null,
        string? bakedDirectory = null)
        => new(sources, cacheDirectory, requireAtStart, time, bakedDirectory);

    public static RangeSourceSettings Aws(string source, string cloud = "AWS") => new(cloud, RangeFormat.Aws, source);

    public async Task StartAsync()
    {
        _started = true;
        await Service.StartAsync(default);
    }

    /// <summary>"cloud/region" of <paramref name="address"/> in the current table, null if unknown.</summary>
    public string? Lookup(string address) => Lookup(Holder.Current, address);

    public static string? Lookup(IpRangeTable table, string address) =>
        table.TryLookup(IPAddress.Parse(address), out var location) ? location.Cloud + "/" + location.Region : null;

    public RangeSourceStatus StatusOf(string cloud) => Status.Sources.Single(s => s.Cloud == cloud);

    public async ValueTask DisposeAsync()
    {
        if (_started)
        {
            await Service.StopAsync(default);
        }

        Service.Dispose();
        await _services.DisposeAsync();
    }
}
