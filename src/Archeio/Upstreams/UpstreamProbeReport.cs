using Archeio.Configuration;

namespace Archeio.Upstreams;

/// <summary>One probe of one upstream.</summary>
/// <param name="Upstream">The upstream probed.</param>
/// <param name="FailureReason">Why it failed, e.g. <c>GET /v2/ answered 503</c>; null when it passed.</param>
/// <param name="Detail">What each request answered, e.g. <c>GET /v2/ 401; HEAD pause:3.10 200</c>.</param>
/// <param name="Elapsed">How long the probe took.</param>
internal sealed record UpstreamProbeReport(UpstreamSettings Upstream, string? FailureReason, string Detail, TimeSpan Elapsed)
{
    public bool Passed => FailureReason is null;
}
