using System.Globalization;
using Archeio.Configuration;
using Archeio.Sources;

namespace Archeio.Upstreams;

/// <summary>
/// Probes every upstream of a failover list (<see cref="ArcheioSettings.ProbedUpstreams"/>) every
/// <c>UpstreamHealth:Interval</c>, off the request path, and records each probe on the <see cref="UpstreamHealthBoard"/>,
/// which ejects and recovers. The N upstreams' probes start <c>Interval / N</c> apart; each upstream's are at least an
/// interval apart (a <see cref="PeriodicTimer"/> coalesces the ticks a slow probe misses, and a probe lasts at most
/// <c>Timeout</c>), so no upstream is probed more often than the interval per replica. Ejections and recoveries are
/// logged here, counted by the board (Metrics/UpstreamMetrics.cs) and listed in <c>/readyz</c>.
/// </summary>
internal sealed partial class UpstreamHealthService(
    ArcheioSettings settings,
    UpstreamHealthBoard board,
    UpstreamProber prober,
    TimeProvider time,
    ILogger<UpstreamHealthService> logger) : BackgroundService
{
    /// <summary>Registers the service, its prober; the board is registered with the routing (Hosting/ArcheioHost.cs).</summary>
    public static void AddTo(IServiceCollection services)
    {
        UpstreamProber.AddTo(services);
        services.AddSingleton<UpstreamHealthService>();
        services.AddHostedService(sp => sp.GetRequiredService<UpstreamHealthService>());
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var probed = settings.ProbedUpstreams;
        var interval = settings.UpstreamHealth.Interval;
        return Task.WhenAll(probed.Select((upstream, i) => RefreshSchedule.RunEveryAsync(
            RefreshSchedule.OffsetOf(i, probed.Length, interval), interval, time, ct => ProbeOnceAsync(upstream, ct), e => LogCrashed(logger, upstream.Name, e), stoppingToken)));
    }

    /// <summary>One probe of <paramref name="upstream"/>, recorded on the board, its transition logged.</summary>
    internal async Task<UpstreamProbeReport> ProbeOnceAsync(UpstreamSettings upstream, CancellationToken stopping)
    {
        var report = await prober.ProbeAsync(upstream, stopping);
        var (change, before) = board.Record(upstream, report.FailureReason);
        switch (change)
        {
            case UpstreamHealthChange.Ejected:
                LogEjected(logger, upstream.Name, settings.UpstreamHealth.FailAfter, report.FailureReason!);
                break;
            case UpstreamHealthChange.Recovered:
                LogRecovered(logger, upstream.Name, settings.UpstreamHealth.RecoverAfter, (time.GetUtcNow() - before.Since).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
                break;
        }

        return report;
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Warning, Message = "Upstream {Upstream} is ejected: {Failures} probes in a row failed, the last with {Reason}; its requests go to the next healthy upstream of their list")]
    private static partial void LogEjected(ILogger logger, string upstream, int failures, string reason);

    [LoggerMessage(EventId = 91, Level = LogLevel.Information, Message = "Upstream {Upstream} has recovered: {Passes} probes in a row passed after {Seconds} s ejected")]
    private static partial void LogRecovered(ILogger logger, string upstream, int passes, string seconds);

    [LoggerMessage(EventId = 92, Level = LogLevel.Error, Message = "Probing upstream {Upstream} failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, string upstream, Exception exception);
}
