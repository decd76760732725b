using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Archeio.Ranges.Table;
using Archeio.Requests;

namespace Archeio.Metrics;

/// <summary>
/// The per-request instruments: <c>archeio_requests_total</c>, <c>archeio_request_duration_seconds</c> and
/// <c>archeio_client_requests_total</c>. Every request passes here, so each label set's tag array is built once and
/// kept (the label values are bounded: kinds, methods and statuses are fixed sets, decisions and locations come from
/// configuration and range data): recording boxes and allocates nothing. The two counters count in
/// <see cref="SeriesCounter"/>s of their own and are observed at scrape time; the histogram is OpenTelemetry's.
/// </summary>
internal sealed class RequestMetrics
{
    public const string RequestsName = "archeio_requests_total";
    public const string DurationName = "archeio_request_duration_seconds";
    public const string ClientsName = "archeio_client_requests_total";

    /// <summary>50 µs to 5 s: a decision from memory takes microseconds, one that waits on mirror HEADs up to <c>BlobCheck:Timeout</c>.</summary>
    public static readonly IReadOnlyList<double> DurationBuckets =
        [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private static readonly string[] KindLabels = ["blob", "manifest", "tags", "referrers", "other"];
    private static readonly string[] MethodLabels = ["GET", "HEAD", "other"];

    private readonly Histogram<double> _duration;
    private readonly KeyValuePair<string, object?>[][] _kindTags;
    private readonly ConcurrentDictionary<RequestSeries, SeriesCounter> _requests = new();
    private readonly ConcurrentDictionary<ClientSeries, SeriesCounter> _clients = new();

    public RequestMetrics(ArcheioMeter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.Meter.CreateObservableCounter(RequestsName, () => Observe(_requests), description: "Requests on the public port, by request kind, method, status and routing decision.");
        _duration = meter.Meter.CreateHistogram(
            DurationName,
            unit: "s",
            description: "Time from the request's arrival to its response, by request kind.",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        meter.Meter.CreateObservableCounter(ClientsName, () => Observe(_clients), description: "Requests by the client's cloud, region and continent.");
        _kindTags = [.. KindLabels.Select(k => new KeyValuePair<string, object?>[] { new("kind", k) })];
    }

    /// <summary>Counts one answered request.</summary>
    /// <param name="kind">What the request asked for.</param>
    /// <param name="method">The HTTP method.</param>
    /// <param name="status">The response status.</param>
    /// <param name="decision">The access log's decision string (a bounded set).</param>
    /// <param name="location">The client's cloud and region, null when in none.</param>
    /// <param name="continent">The client's continent code, null without geolocation data.</param>
    /// <param name="elapsed">Time taken.</param>
    public void Record(RequestKind kind, string method, int status, string decision, CloudLocation? location, string? continent, TimeSpan elapsed)
    {
        var kindIndex = KindIndex(kind);
        var series = new RequestSeries(kindIndex, MethodIndex(method), status, decision);
        if (!_requests.TryGetValue(series, out var requests))
        {
            requests = _requests.GetOrAdd(series, static s => new([
                new("kind", KindLabels[s.Kind]),
                new("method", MethodLabels[s.Method]),
                new("status", s.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                new("decision", s.Decision)]));
        }

        requests.Increment();
        _duration.Record(elapsed.TotalSeconds, _kindTags[kindIndex]);

        var client = new ClientSeries(
            location?.Cloud ?? "none",
            location?.Region is { Length: > 0 } region ? region : "none",
            continent ?? "unknown");
        if (!_clients.TryGetValue(client, out var clients))
        {
            clients = _clients.GetOrAdd(client, static c => new([new("cloud", c.Cloud), new("region", c.Region), new("continent", c.Continent)]));
        }

        clients.Increment();
    }

    private static IEnumerable<Measurement<long>> Observe<TSeries>(ConcurrentDictionary<TSeries, SeriesCounter> counters)
        where TSeries : notnull
        => counters.Values.Select(c => new Measurement<long>(c.Value, c.Tags));

    internal static int KindIndex(RequestKind kind) => kind switch
    {
        RequestKind.Blob => 0,
        RequestKind.Manifest => 1,
        RequestKind.TagsList => 2,
        RequestKind.Referrers => 3,
        _ => 4,
    };

    private static int MethodIndex(string method)
        // Case-sensitive, as the router decides (RFC 9110 §9.1): `get` is answered 405 and counted as "other".
        => method == HttpMethods.Get ? 0 : method == HttpMethods.Head ? 1 : 2;
}
