using System.Globalization;
using Archeio.Configuration;
using Archeio.Sources;

namespace Archeio.Blobs.Probes;

/// <summary>
/// Probes every mirror that has a <see cref="MirrorSettings.Probe"/> every <c>Probes:Interval</c>, off the request path,
/// and keeps the mirrors that fail out of rotation (<see cref="BlobChecker.TakeOutOfRotation"/>) until a probe passes.
/// The probes of the N probed mirrors start <c>Interval / N</c> apart, so they are spread over the interval rather than
/// sent together; each mirror's are at least an interval apart (a <see cref="PeriodicTimer"/> coalesces the ticks a
/// slow probe misses), and at most <c>Probes:MaxConcurrent</c> run at once (a probe waits for a slot). A mirror with
/// no probe is treated as before: only its HEAD checks and breaker.
/// </summary>
internal sealed partial class ProbeService(
    ArcheioSettings settings,
    BlobChecker checker,
    MirrorProber prober,
    TimeProvider time,
    ILogger<ProbeService> logger,
    IProbeObserver? observer = null) : BackgroundService
{
    private readonly SemaphoreSlim _slots = new(settings.Probes.MaxConcurrent, settings.Probes.MaxConcurrent);

    /// <summary>Registers the service and its prober.</summary>
    public static void AddTo(IServiceCollection services)
    {
        MirrorProber.AddTo(services);
        services.AddSingleton<ProbeService>();
        services.AddHostedService(sp => sp.GetRequiredService<ProbeService>());
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var probed = settings.Mirrors.Where(m => m.Probe is not null).ToList();
        var interval = settings.Probes.Interval;
        return Task.WhenAll(probed.Select((mirror, i) => RefreshSchedule.RunEveryAsync(
            RefreshSchedule.OffsetOf(i, probed.Count, interval), interval, time, ct => ProbeOnceAsync(mirror, ct), e => LogCrashed(logger, mirror.Name, e), stoppingToken)));
    }

    /// <summary>
    /// One probe of <paramref name="mirror"/>, once a slot is free, and what it means for the mirror's rotation (also
    /// what <c>explain --check</c> runs, so that its answer is the server's after that probe).
    /// </summary>
    internal async Task<ProbeReport> ProbeOnceAsync(MirrorSettings mirror, CancellationToken stopping)
    {
        await _slots.WaitAsync(stopping);
        ProbeReport report;
        try
        {
            report = await prober.ProbeAsync(mirror, stopping);
        }
        finally
        {
            _slots.Release();
        }

        observer?.OnProbe(report);
        var held = checker.OutOfRotation(mirror);
        if (report.FailureReason is { } reason)
        {
            if (held is null || held.Reason != reason)
            {
                LogOutOfRotation(logger, mirror.Name, reason);
            }

            checker.TakeOutOfRotation(mirror, reason);
        }
        else if (held is not null)
        {
            checker.ReturnToRotation(mirror);
            LogBackInRotation(logger, mirror.Name, (time.GetUtcNow() - held.Since).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture));
        }

        return report;
    }

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 80, Level = LogLevel.Warning, Message = "Mirror {Mirror} is out of rotation: its probe failed, {Reason}")]
    private static partial void LogOutOfRotation(ILogger logger, string mirror, string reason);

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Mirror {Mirror} is back in rotation: its probe passed after {Seconds} s out")]
    private static partial void LogBackInRotation(ILogger logger, string mirror, string seconds);

    [LoggerMessage(EventId = 82, Level = LogLevel.Error, Message = "Probing mirror {Mirror} failed unexpectedly")]
    private static partial void LogCrashed(ILogger logger, string mirror, Exception exception);
}
