using System.Diagnostics.Metrics;

namespace Archeio.Metrics;

/// <summary>
/// What rules with <c>Action: Proxy</c> cost Archeio: <c>archeio_proxied_bytes_total{source}</c> (body bytes sent to clients,
/// also told to <see cref="EgressMetrics"/> for the source's estimated cost),
/// <c>archeio_proxy_streams{source}</c> (streams in flight) and <c>archeio_proxy_requests_total{source,outcome}</c>, where
/// source is a <see cref="Routing.ProxySource.Label"/> (<c>mirror:&lt;name&gt;</c>, <c>upstream:&lt;name&gt;</c>,
/// <c>signature-upstream:&lt;name&gt;</c>; <c>none</c> for a request refused before any source) and outcome one of
/// <see cref="ProxyOutcome"/>'s names. Sources are a bounded set, named by the configuration.
/// </summary>
internal sealed class ProxyMetrics
{
    public const string BytesName = "archeio_proxied_bytes_total";
    public const string StreamsName = "archeio_proxy_streams";
    public const string RequestsName = "archeio_proxy_requests_total";

    private static readonly string[] OutcomeNames = [.. Enum.GetValues<ProxyOutcome>().Select(NameOf)];

    private readonly Counter<long> _bytes;
    private readonly UpDownCounter<long> _streams;
    private readonly Counter<long> _requests;
    private readonly EgressMetrics? _egress;

    public ProxyMetrics(ArcheioMeter meter, EgressMetrics? egress = null)
    {
        ArgumentNullException.ThrowIfNull(meter);
        _egress = egress;
        _bytes = meter.Meter.CreateCounter<long>(
            BytesName,
            unit: "By",
            description: "Body bytes Archeio streamed to clients of rules that proxy, by source: bytes written to the client's connection, "
                + "not necessarily all received by it (a client gone mid-stream counts what was written).");
        _streams = meter.Meter.CreateUpDownCounter<long>(StreamsName, description: "Proxied answers in flight, by source.");
        _requests = meter.Meter.CreateCounter<long>(RequestsName, description: "Attempts to answer a proxied request from a source, by source and outcome.");
    }

    public void StreamStarted(string source) => _streams.Add(1, new KeyValuePair<string, object?>("source", source));

    public void StreamEnded(string source, long bytes)
    {
        var tag = new KeyValuePair<string, object?>("source", source);
        _streams.Add(-1, tag);
        if (bytes > 0)
        {
            _bytes.Add(bytes, tag);
            _egress?.Proxied(source, bytes);
        }
    }

    public void Attempt(string source, ProxyOutcome outcome)
        => _requests.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("outcome", OutcomeNames[(int)outcome]));

    /// <summary>The label value: the name in kebab case (<see cref="ProxyOutcome.DigestMismatch"/> is <c>digest-mismatch</c>).</summary>
    public static string NameOf(ProxyOutcome outcome) => outcome switch
    {
        ProxyOutcome.Served => "served",
        ProxyOutcome.Passed => "passed-over",
        ProxyOutcome.Failed => "failed",
        ProxyOutcome.TimedOut => "timed-out",
        ProxyOutcome.Cut => "cut",
        ProxyOutcome.DigestMismatch => "digest-mismatch",
        ProxyOutcome.ClientGone => "client-gone",
        ProxyOutcome.Busy => "busy",
        _ => "unknown",
    };
}

/// <summary>How one attempt to answer a proxied request from one source ended.</summary>
internal enum ProxyOutcome
{
    /// <summary>The source's answer went to the client whole (a 404 or a 416 included: that is the answer).</summary>
    Served,

    /// <summary>The source answered with an error the next source may not have (5xx, or a holder's 404): the next was tried.</summary>
    Passed,

    /// <summary>The source could not be reached or refused before its answer started (connection, token realm).</summary>
    Failed,

    /// <summary>No response headers within <c>Proxy:FirstByteTimeout</c>.</summary>
    TimedOut,

    /// <summary>The source's body broke off, or went idle for <c>Proxy:IdleTimeout</c>: the client's connection was cut.</summary>
    Cut,

    /// <summary>The bytes did not hash to the requested digest: the client's connection was cut before the last byte.</summary>
    DigestMismatch,

    /// <summary>The client went away.</summary>
    ClientGone,

    /// <summary><c>Proxy:MaxConcurrent</c> streams were in flight: a 503 with <c>Retry-After</c>.</summary>
    Busy,
}
