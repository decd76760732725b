using Archeio.Ranges.Loading;

namespace Archeio.Hosting;

/// <summary>
/// Whether this instance should get traffic (<c>/readyz</c>, <c>archeio_ready</c>): once started, while the range
/// data is as <c>RangesRefresh:RequireAtStart</c> demands, and never again once shutting down. The configuration
/// needs no check: an instance with a bad one does not start.
/// </summary>
internal sealed class Readiness(RangeStatus ranges, IHostApplicationLifetime lifetime)
{
    private volatile bool _draining;

    public bool IsReady => NotReadyReason() is null;

    /// <summary>Turns readiness off for good: the drain has begun, even when the stop did not come through a signal.</summary>
    public void BeginDrain() => _draining = true;

    /// <summary>Why the instance is not ready, in a few words; null when it is.</summary>
    public string? NotReadyReason()
    {
        if (_draining || lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return "shutting down";
        }

        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            return "starting";
        }

        if (!ranges.Ready)
        {
            return "no range data yet for " + string.Join(", ", ranges.Sources.Where(s => !s.HasData).Select(s => s.Cloud).Distinct(StringComparer.Ordinal));
        }

        return null;
    }
}
