using Archeio.Ranges.Parsing;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// The real server process, a scripted mix of requests over real sockets, then one scrape of <c>/metrics</c> on the
/// operations port: every series the dashboards read is asserted by name, labels and value.
/// </summary>
public sealed class MetricsTests : IClassFixture<MetricsScriptFixture>
{
    private readonly PrometheusText _metrics;

    public MetricsTests(MetricsScriptFixture fixture)
    {
        ArgumentNullException.ThrowIfNull(fixture);
        _metrics = fixture.Metrics;
    }

    public static TheoryData<string, string, string, string, int> Requests => new()
    {
        { "blob", "GET", "307", "mirror:paris", 2 },
        { "blob", "GET", "307", "upstream", 2 },
        { "blob", "GET", "307", "mirror:cdn", 1 },
        { "blob", "HEAD", "307", "mirror:cdn", 1 },
        { "manifest", "GET", "307", "upstream", 1 },
        { "tags", "GET", "307", "upstream", 1 },
        { "referrers", "GET", "307", "upstream", 1 },
        { "other", "GET", "404", "rejected:NAME_INVALID", 1 },
        { "other", "GET", "404", "not-found", 1 },
        { "other", "other", "405", "method-not-allowed", 1 },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Requests_are_counted_by_kind_method_status_and_decision(string kind, string method, string status, string decision, int count)
        => Assert.Equal(count, _metrics.Value("archeio_requests_total", ("kind", kind), ("method", method), ("status", status), ("decision", decision)));

    [Fact]
    public void Every_request_is_counted_once()
    {
        Assert.Equal(MetricsScriptFixture.Script.Length, _metrics.Sum("archeio_requests_total"));
        Assert.Equal(Requests.Count, _metrics.Series("archeio_requests_total").Count());
    }

    [Theory]
    [InlineData("blob", 6)]
    [InlineData("manifest", 1)]
    [InlineData("tags", 1)]
    [InlineData("referrers", 1)]
    [InlineData("other", 3)]
    public void The_duration_histogram_counts_every_request_by_kind(string kind, int count)
    {
        Assert.Equal(count, _metrics.Value("archeio_request_duration_seconds_count", ("kind", kind)));
        Assert.Equal(count, _metrics.Value("archeio_request_duration_seconds_bucket", ("kind", kind), ("le", "+Inf")));
        var bounds = _metrics.Series("archeio_request_duration_seconds_bucket").Where(s => s.Labels["kind"] == kind).Select(s => s.Labels["le"]).ToList();
        Assert.Equal(17, bounds.Count);
        Assert.Equal(0.00005, double.Parse(bounds[0], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("5", bounds[^2]);
    }

    [Fact]
    public void The_histogram_count_is_the_request_count()
        => Assert.Equal(MetricsScriptFixture.Script.Length, _metrics.Sum("archeio_request_duration_seconds_count"));

    public static TheoryData<string, string, string, int> Clients => new()
    {
        { "AWS", "eu-west-3", "unknown", 3 },
        { "GCP", "europe-north1", "unknown", 1 },
        { "none", "none", "unknown", 8 },
    };

    [Theory]
    [MemberData(nameof(Clients))]
    public void Clients_are_counted_by_cloud_region_and_continent(string cloud, string region, string continent, int count)
        => Assert.Equal(count, _metrics.Value("archeio_client_requests_total", ("cloud", cloud), ("region", region), ("continent", continent)));

    public static TheoryData<string, string, int> Heads => new()
    {
        { "paris", "present", 1 },
        { "paris", "absent", 1 },
        { "cdn", "present", 1 },
    };

    [Theory]
    [MemberData(nameof(Heads))]
    public void Blob_check_HEADs_are_counted_by_mirror_and_outcome(string mirror, string outcome, int count)
        => Assert.Equal(count, _metrics.Value("archeio_blob_check_heads_total", ("mirror", mirror), ("outcome", outcome)));

    [Fact]
    public void Only_the_HEADs_sent_are_counted()
        => Assert.Equal(3, _metrics.Sum("archeio_blob_check_heads_total"));

    [Theory]
    [InlineData("paris", 1234)]
    [InlineData("cdn", 99)]
    public void Present_HEADs_add_the_blob_size(string mirror, int bytes)
        => Assert.Equal(bytes, _metrics.Value("archeio_blob_check_head_bytes_total", ("mirror", mirror)));

    [Theory]
    [InlineData("archeio_blob_cache_hits_total", 2)]
    [InlineData("archeio_blob_cache_misses_total", 3)]
    [InlineData("archeio_blob_cache_entries", 3)]
    [InlineData("archeio_blob_cache_evictions_total", 0)]
    [InlineData("archeio_blob_check_coalesced_total", 0)]
    [InlineData("archeio_ready", 1)]
    public void Unlabelled_series(string name, int value) => Assert.Equal(value, _metrics.Value(name));

    [Theory]
    [InlineData("paris")]
    [InlineData("cdn")]
    public void Breakers_are_closed(string mirror)
        => Assert.Equal(0, _metrics.Value("archeio_blob_check_breaker_state", ("mirror", mirror)));

    [Fact]
    public void No_inventory_no_inventory_series()
        => Assert.Empty(_metrics.Series("archeio_inventory_digests"));

    [Theory]
    [InlineData("AWS")]
    [InlineData("GCP")]
    [InlineData("Azure")]
    public void Range_series_give_each_clouds_prefixes_and_data_age(string cloud)
    {
        var (_, format, file) = Archeio.Configuration.ArcheioSettingsReader.RangesDirectoryFiles.Single(f => f.Cloud == cloud);
        using var stream = File.OpenRead(Path.Combine(SharedData.CloudRangesDirectory, file));
        var expected = RangeParser.Parse(format, stream, cloud).Count;

        Assert.Equal(expected, _metrics.Value("archeio_range_prefixes", ("cloud", cloud)));
        Assert.Equal(0, _metrics.Value("archeio_range_refresh_failures_total", ("cloud", cloud)));
        Assert.InRange(_metrics.Value("archeio_range_data_age_seconds", ("cloud", cloud)) ?? -1, 0, 10 * 365 * 86400.0);
    }

    [Fact]
    public void The_exposition_names_no_scope_and_no_target_info()
    {
        Assert.Empty(_metrics.Series("target_info"));
        Assert.All(_metrics.Samples, s => Assert.False(s.Labels.ContainsKey("otel_scope_name"), s.Name));
        Assert.Contains("# TYPE archeio_requests_total counter", _metrics.Comments);
        Assert.Contains("# TYPE archeio_request_duration_seconds histogram", _metrics.Comments);
        Assert.Contains("# TYPE archeio_ready gauge", _metrics.Comments);
    }
}
