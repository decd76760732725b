using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>
/// The validated, immutable configuration of the <c>Archeio</c> section. Built once at start-up by
/// <see cref="ArcheioSettingsReader"/>; every key is described in docs/configuration.md.
/// </summary>
internal sealed record ArcheioSettings
{
    /// <summary>The original service's default <see cref="Port"/>.</summary>
    public const int DefaultPort = 8080;

    /// <summary>TCP port Kestrel listens on, on all interfaces (<c>PORT</c>).</summary>
    public required int Port { get; init; }

    public required string InfoUrl { get; init; }

    public required string PrivacyUrl { get; init; }

    public required UpstreamSettings Upstream { get; init; }

    /// <summary>Further upstreams that rules may name (<c>Archeio:Upstreams</c>), e.g. regional registries.</summary>
    public ImmutableArray<UpstreamSettings> Upstreams { get; init; } = [];

    /// <summary>
    /// The upstreams, in failover order, of requests no rule claims and of rules that list none
    /// (<c>Archeio:UpstreamFailover</c>); empty: <see cref="Upstream"/> alone.
    /// </summary>
    public ImmutableArray<UpstreamSettings> UpstreamFailover { get; init; } = [];

    /// <summary>How the upstreams of failover lists are probed (<c>UpstreamHealth</c>).</summary>
    public UpstreamHealthSettings UpstreamHealth { get; init; } = UpstreamHealthSettings.Default;

    /// <summary>
    /// The upstreams the health service probes: each that is in a failover list of two or more (a rule's or
    /// <see cref="UpstreamFailover"/>). An upstream that is the only one of its lists is not probed: its health could
    /// not change a decision (fail static sends requests to it either way).
    /// </summary>
    public ImmutableArray<UpstreamSettings> ProbedUpstreams { get; init; } = [];

    /// <summary>Every upstream by <see cref="UpstreamSettings.Index"/>: <see cref="Upstream"/>, then <see cref="Upstreams"/>.</summary>
    public ImmutableArray<UpstreamSettings> AllUpstreams => [Upstream, .. Upstreams];

    public required ClientIpSettings ClientIp { get; init; }

    public required ImmutableArray<RangeSourceSettings> Ranges { get; init; }

    /// <summary>How range sources are refreshed while running (<c>RangesRefresh</c>).</summary>
    public RangesRefreshSettings RangesRefresh { get; init; } = RangesRefreshSettings.Default;

    /// <summary>The object-storage mirrors (<c>Archeio:Mirrors</c>), each at its <see cref="Candidate.Index"/>.</summary>
    public required ImmutableArray<MirrorSettings> Mirrors { get; init; }

    /// <summary>
    /// Everything a rule may check for a blob, by <see cref="Candidate.Index"/>: the mirrors, then the upstreams that
    /// rules list as <c>upstream</c> or <c>signature-upstream</c>.
    /// </summary>
    public required ImmutableArray<Candidate> Candidates { get; init; }

    /// <summary>
    /// By <see cref="Candidate.Index"/>: the candidate asked for manifests by digest (<see cref="ManifestView"/>), or null
    /// when it holds none (a mirror without <c>ManifestUrl</c>). Upstreams always hold them. Slots follow the candidates'.
    /// </summary>
    public ImmutableArray<ManifestView?> ManifestViews { get; init; } = [];

    /// <summary>The manifest view of <paramref name="candidate"/>, or null when it holds no manifests.</summary>
    public ManifestView? ManifestViewOf(Candidate candidate)
        => (uint)candidate.Index < (uint)ManifestViews.Length ? ManifestViews[candidate.Index] : null;

    public required ImmutableArray<RuleSettings> Rules { get; init; }

    public required BlobCheckSettings BlobCheck { get; init; }

    /// <summary>How mirrors with a <see cref="MirrorSettings.Probe"/> are probed (<c>Probes</c>).</summary>
    public ProbeSettings Probes { get; init; } = ProbeSettings.Default;

    /// <summary>Add <c>X-Archeio-Route: rule=&lt;n&gt;; mirror=&lt;name&gt;</c> to blob redirects (<c>Debug:RouteHeader</c>).</summary>
    public bool RouteHeader { get; init; }

    /// <summary>Geolocation databases (country, ASN); none by default.</summary>
    public GeoSettings Geo { get; init; } = GeoSettings.None;

    /// <summary>The operations port: metrics, health, readiness (<c>Metrics</c>).</summary>
    public MetricsSettings Metrics { get; init; } = MetricsSettings.Default;

    /// <summary>How rules with <c>Action: Proxy</c> stream content (<c>Proxy</c>).</summary>
    public ProxySettings Proxy { get; init; } = ProxySettings.Default;

    /// <summary>The published list of hosts a pull can reach (<c>Egress</c>).</summary>
    public EgressSettings Egress { get; init; } = EgressSettings.Default;

    /// <summary>Rate limits on clients, in order: the first whose match fits a client applies (<c>RateLimits</c>).</summary>
    public ImmutableArray<RateLimitSettings> RateLimits { get; init; } = [];

    /// <summary>Clients no rate limit applies to (<c>RateLimitExempt</c>).</summary>
    public RateLimitExemptSettings RateLimitExempt { get; init; } = RateLimitExemptSettings.None;

    /// <summary>Graceful stop (<c>Shutdown</c>).</summary>
    public ShutdownSettings Shutdown { get; init; } = ShutdownSettings.Default;

    /// <summary>Log format, access-log sampling, client IP redaction (<c>Logging</c>).</summary>
    public LoggingSettings Logging { get; init; } = LoggingSettings.Default;
}
