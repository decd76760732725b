using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Metrics;
using Archeio.Routing;
using Archeio.Tests.Support;

namespace Archeio.Tests.Metrics;

/// <summary>Bytes and estimated cost per target: which target a redirect counts for, unknown sizes, the cost's arithmetic.</summary>
public sealed class EgressMetricsTests
{
    private const long GiB = 1L << 30;

    private static readonly MirrorSettings Paris = new("paris", "https://paris.example/{digest}", 0, PricePerGiB: 0.02);
    private static readonly MirrorSettings Cdn = new("default", "https://cdn.example/{digest}", 1);
    private static readonly UpstreamSettings Europe = new UpstreamSettings("https://eu.example", "", null, "") with { Name = "europe", Index = 1, PricePerGiB = 0.12 };

    [Fact]
    public void Redirects_count_their_size_for_their_target_and_unknown_sizes_apart()
    {
        using var recorder = new MeterRecorder();
        var (metrics, settings) = Create(recorder);

        metrics.Redirected(ToMirror(Paris, 3 * GiB));
        metrics.Redirected(ToMirror(Paris, GiB / 2));
        metrics.Redirected(ToMirror(Cdn, -1));
        metrics.Redirected(ToMirror(Cdn, 100));
        metrics.Redirected(new Redirect(RouteTarget.Upstream, "https://eu.example/v2/x", "eu.example", Size: -1, Upstream: Europe));
        metrics.Redirected(new Redirect(RouteTarget.Upstream, "https://up.example/v2/x", "up.example", Size: 10, Upstream: settings.Upstream));

        recorder.Observe();
        Assert.Equal(
            ["kind=mirror,target=default 100", "kind=mirror,target=paris 3758096384", "kind=upstream,target=default 10", "kind=upstream,target=europe 0"],
            Lines(recorder, EgressMetrics.RedirectedBytesName));
        Assert.Equal(
            ["kind=mirror,target=default 1", "kind=mirror,target=paris 0", "kind=upstream,target=default 0", "kind=upstream,target=europe 1"],
            Lines(recorder, EgressMetrics.UnknownSizeName));
    }

    [Fact]
    public void The_cost_is_bytes_over_2_to_the_30_times_the_price_with_proxied_bytes_and_only_for_priced_targets()
    {
        using var recorder = new MeterRecorder();
        var (metrics, _) = Create(recorder);

        metrics.Redirected(ToMirror(Paris, 3 * GiB));
        metrics.Proxied("mirror:paris", GiB);
        metrics.Proxied("signature-upstream:europe", GiB / 4);
        metrics.Proxied("upstream:europe", GiB / 4);
        metrics.Proxied("upstream:nowhere", GiB);
        metrics.Proxied("mirror:default", GiB);

        recorder.Observe();
        var cost = recorder.Of(EgressMetrics.CostName).ToDictionary(m => m.TagText, m => m.Value);
        Assert.Equal(["kind=mirror,target=paris", "kind=upstream,target=europe"], cost.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(4 * 0.02, cost["kind=mirror,target=paris"], 12);
        Assert.Equal(0.5 * 0.12, cost["kind=upstream,target=europe"], 12);
    }

    [Fact]
    public void A_manifest_view_of_a_mirror_counts_for_the_mirror()
    {
        using var recorder = new MeterRecorder();
        var (metrics, _) = Create(recorder);

        metrics.Redirected(new Redirect(RouteTarget.Mirror, "https://paris.example/m", "paris.example", new ManifestView(Paris, 9), Size: 512));

        recorder.Observe();
        Assert.Contains("kind=mirror,target=paris 512", Lines(recorder, EgressMetrics.RedirectedBytesName));
    }

    [Fact]
    public void Proxied_bytes_are_counted_per_source_and_told_to_the_cost_of_the_sources_target()
    {
        using var recorder = new MeterRecorder();
        var (egress, _) = Create(recorder);
        var proxy = new ProxyMetrics(recorder.Meter, egress);

        proxy.StreamStarted("mirror:paris");
        proxy.StreamEnded("mirror:paris", 2 * GiB);

        Assert.Equal(2 * GiB, Assert.Single(recorder.Of(ProxyMetrics.BytesName), m => m.TagText == "source=mirror:paris").Value);
        recorder.Observe();
        Assert.Equal(2 * 0.02, Assert.Single(recorder.Of(EgressMetrics.CostName), m => m.TagText == "kind=mirror,target=paris").Value, 12);
        // Proxied bytes are not redirected bytes.
        Assert.Contains("kind=mirror,target=paris 0", Lines(recorder, EgressMetrics.RedirectedBytesName));
    }

    [Fact]
    public void A_blob_redirect_carries_its_size_and_its_upstream()
    {
        var settings = TestSettings.Create(mirrors: ImmutableArray.Create(Paris, Cdn)) with { Upstreams = [Europe] };
        var target = Archeio.Requests.RequestTargetParser.Parse("/v2/pause/blobs/" + Archeio.TestBed.Digests.Pause);
        var rule = new RuleSettings(null, [], [Paris]) { Index = 0 };

        var toMirror = Router.BlobRedirect(target, Paris, [Europe, settings.Upstream], null, rule, 1234);
        var toUpstream = Router.BlobRedirect(target, null, [Europe, settings.Upstream], null, rule, -1);

        Assert.Equal((1234L, (UpstreamSettings?)null), (toMirror.Size, toMirror.Upstream));
        Assert.Equal((-1L, Europe), (toUpstream.Size, toUpstream.Upstream));
    }

    private static Redirect ToMirror(MirrorSettings mirror, long size) => new(RouteTarget.Mirror, "https://x.example/b", "x.example", mirror, Size: size);

    private static (EgressMetrics Metrics, ArcheioSettings Settings) Create(MeterRecorder recorder)
    {
        var settings = TestSettings.Create(mirrors: ImmutableArray.Create(Paris, Cdn)) with { Upstreams = [Europe] };
        return (new EgressMetrics(recorder.Meter, settings), settings);
    }

    private static string[] Lines(MeterRecorder recorder, string name)
        => [.. recorder.Of(name).Select(m => m.TagText + " " + m.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)];
}
