using System.Collections.Frozen;
using System.Diagnostics.Metrics;
using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.Metrics;

/// <summary>
/// What each target (every mirror, every upstream) was asked to send clients, and what that costs:
/// <c>archeio_redirected_bytes_total{target,kind}</c> (the sizes of the blobs and manifests by digest that GET requests were
/// redirected to it for, when a check's answer gave the size), <c>archeio_redirects_unknown_size_total{target,kind}</c>
/// (those redirects whose size no answer gave: not guessed) and <c>archeio_estimated_egress_cost_total{target,kind}</c>
/// (those bytes and the bytes proxied from the target, <c>archeio_proxied_bytes_total</c>, over 2^30, times the target's
/// <c>PricePerGiB</c>; only targets with a price). <c>kind</c> is <c>mirror</c> or <c>upstream</c>: a mirror and an
/// upstream may share a name (the embedded profile's are both <c>default</c>).
/// </summary>
/// <remarks>
/// A counted byte is one a client was sent to fetch, at the moment of the redirect, not one it fetched: a client that
/// aborts, resumes with <c>Range</c>, retries, or already holds the layer counts all the same, and a CDN in front of a
/// bucket serves part of them from its cache (docs/operations.md, "Bytes and cost per target"). Counting is one
/// <see cref="Interlocked.Add(ref long, long)"/> per redirect on plain fields, read at scrape time (as
/// <see cref="SeriesCounter"/>); the cost is derived at scrape time from the same counts, so the two never disagree.
/// </remarks>
internal sealed class EgressMetrics
{
    public const string RedirectedBytesName = "archeio_redirected_bytes_total";
    public const string UnknownSizeName = "archeio_redirects_unknown_size_total";
    public const string CostName = "archeio_estimated_egress_cost_total";

    /// <summary>A GiB, the unit of <c>PricePerGiB</c>: 2^30 bytes.</summary>
    public const double BytesPerGiB = 1L << 30;

    private readonly Target[] _mirrors;
    private readonly Target[] _upstreams;

    // Proxied sources by their label (Routing/ProxySource.cs: mirror:<name>, upstream:<name>, signature-upstream:<name>).
    private readonly FrozenDictionary<string, Target> _sources;

    public EgressMetrics(ArcheioMeter meter, ArcheioSettings settings)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(settings);
        _mirrors = [.. settings.Mirrors.Select(m => new Target(m.Name, "mirror", m.PricePerGiB))];
        var upstreams = settings.AllUpstreams;
        _upstreams = new Target[upstreams.Max(u => u.Index) + 1];
        foreach (var upstream in upstreams)
        {
            _upstreams[upstream.Index] = new Target(upstream.Name, "upstream", upstream.PricePerGiB);
        }

        var sources = new Dictionary<string, Target>(StringComparer.Ordinal);
        foreach (var mirror in settings.Mirrors)
        {
            sources["mirror:" + mirror.Name] = _mirrors[mirror.Index];
        }

        foreach (var upstream in upstreams)
        {
            sources["upstream:" + upstream.Name] = _upstreams[upstream.Index];
            sources["signature-upstream:" + upstream.Name] = _upstreams[upstream.Index];
        }

        _sources = sources.ToFrozenDictionary(StringComparer.Ordinal);
        Target[] all = [.. _mirrors, .. _upstreams.Where(t => t is not null)];
        meter.Meter.CreateObservableCounter(
            RedirectedBytesName,
            () => all.Select(t => new Measurement<long>(t.RedirectedBytes, t.Tags)),
            unit: "By",
            description: "Bytes of the blobs and manifests by digest that GET requests were redirected to the target for, by the size a check gave. "
                + "A byte a client was sent to, counted at the redirect, not necessarily downloaded (aborted, resumed, retried, cached by the client or a CDN).");
        meter.Meter.CreateObservableCounter(
            UnknownSizeName,
            () => all.Select(t => new Measurement<long>(t.UnknownRedirects, t.Tags)),
            description: "GET redirects of blobs and manifests by digest to the target whose size no check's answer gave: not in the redirected bytes.");
        Target[] priced = [.. all.Where(t => t.Price is not null)];
        meter.Meter.CreateObservableCounter(
            CostName,
            () => priced.Select(t => new Measurement<double>(t.Cost, t.Tags)),
            description: "Estimated egress cost of the target: its redirected and proxied bytes / 2^30 times its PricePerGiB (no currency). "
                + "An upper bound for redirects: a counted byte is one a client was sent to, not necessarily downloaded.");
    }

    /// <summary>Counts a GET redirect of a blob or a manifest by digest: its size for its target, or a redirect of unknown size.</summary>
    public void Redirected(Redirect redirect)
    {
        ArgumentNullException.ThrowIfNull(redirect);
        if (TargetOf(redirect) is not { } target)
        {
            return;
        }

        if (redirect.Size >= 0)
        {
            target.AddRedirected(redirect.Size);
        }
        else
        {
            target.AddUnknown();
        }
    }

    /// <summary>Counts body bytes proxied from <paramref name="source"/> (a <see cref="ProxySource.Label"/>) into its target's cost.</summary>
    public void Proxied(string source, long bytes)
    {
        if (bytes > 0 && _sources.TryGetValue(source, out var target))
        {
            target.AddProxied(bytes);
        }
    }

    /// <summary>The mirror the redirect's holder is (or whose manifests it is), else the upstream it goes to.</summary>
    private Target? TargetOf(Redirect redirect) => redirect.Holder switch
    {
        MirrorSettings mirror => At(_mirrors, mirror.Index),
        ManifestView { Store: MirrorSettings mirror } => At(_mirrors, mirror.Index),
        _ => redirect.Upstream is { } upstream ? At(_upstreams, upstream.Index) : null,
    };

    private static Target? At(Target[] targets, int index) => (uint)index < (uint)targets.Length ? targets[index] : null;

    private sealed class Target(string name, string kind, double? price)
    {
        private long _redirectedBytes;
        private long _unknown;
        private long _proxiedBytes;

        public KeyValuePair<string, object?>[] Tags { get; } = [new("target", name), new("kind", kind)];

        public double? Price { get; } = price;

        public long RedirectedBytes => Volatile.Read(ref _redirectedBytes);

        public long UnknownRedirects => Volatile.Read(ref _unknown);

        public double Cost => (RedirectedBytes + Volatile.Read(ref _proxiedBytes)) / BytesPerGiB * (Price ?? 0);

        public void AddRedirected(long bytes) => Interlocked.Add(ref _redirectedBytes, bytes);

        public void AddUnknown() => Interlocked.Increment(ref _unknown);

        public void AddProxied(long bytes) => Interlocked.Add(ref _proxiedBytes, bytes);
    }
}
