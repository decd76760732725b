using System.Diagnostics.Metrics;

namespace Archeio.Metrics;

/// <summary>
/// Rate limits: <c>archeio_rate_limited_requests_total{limit}</c>, requests answered 429, by the limit's name (or
/// <c>upstream:&lt;name&gt;</c> when every upstream of the list was over its <c>MaxRequestsPerMinute</c>), and
/// <c>archeio_rate_limit_local_fallbacks_total{limit}</c>, requests of a shared limit decided locally because Redis
/// could not answer. Limits are a bounded set, named by the configuration.
/// </summary>
internal sealed class RateLimitMetrics
{
    public const string LimitedName = "archeio_rate_limited_requests_total";
    public const string FallbacksName = "archeio_rate_limit_local_fallbacks_total";

    private readonly Counter<long> _limited;
    private readonly Counter<long> _fallbacks;

    public RateLimitMetrics(ArcheioMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _limited = meter.Meter.CreateCounter<long>(LimitedName, description: "Requests answered 429 TOOMANYREQUESTS, by limit.");
        _fallbacks = meter.Meter.CreateCounter<long>(FallbacksName, description: "Requests of a shared rate limit decided locally because Redis could not answer, by limit.");
    }

    public void Limited(string limit) => _limited.Add(1, new KeyValuePair<string, object?>("limit", limit));

    public void Fallback(string limit) => _fallbacks.Add(1, new KeyValuePair<string, object?>("limit", limit));
}
