using Archeio.Metrics;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Tests.Support;

namespace Archeio.Tests.Metrics;

public sealed class RequestMetricsTests
{
    public static TheoryData<string, string, string?, string?, string, string> Labels => new()
    {
        { nameof(RequestKind.Blob), "GET", "AWS", "eu-west-3", "EU", "kind=blob,method=GET|cloud=AWS,continent=EU,region=eu-west-3" },
        { nameof(RequestKind.Manifest), "HEAD", "GCP", "", null!, "kind=manifest,method=HEAD|cloud=GCP,continent=unknown,region=none" },
        { nameof(RequestKind.TagsList), "GET", null, null, null!, "kind=tags,method=GET|cloud=none,continent=unknown,region=none" },
        { nameof(RequestKind.Referrers), "GET", null, null, "NA", "kind=referrers,method=GET|cloud=none,continent=NA,region=none" },
        { nameof(RequestKind.Invalid), "POST", null, null, null!, "kind=other,method=other|cloud=none,continent=unknown,region=none" },
        { nameof(RequestKind.Root), "DELETE", null, null, null!, "kind=other,method=other|cloud=none,continent=unknown,region=none" },
        { nameof(RequestKind.Catalog), "get", null, null, null!, "kind=other,method=other|cloud=none,continent=unknown,region=none" },
        { nameof(RequestKind.Manifest), "head", null, null, null!, "kind=manifest,method=other|cloud=none,continent=unknown,region=none" },
    };

    [Theory]
    [MemberData(nameof(Labels))]
    public void Labels_come_from_bounded_sets(string kind, string method, string? cloud, string? region, string? continent, string expected)
    {
        using var recorder = new MeterRecorder();
        var metrics = new RequestMetrics(recorder.Meter);
        var location = cloud is null ? null : new CloudLocation(cloud, region!);

        metrics.Record(Enum.Parse<RequestKind>(kind), method, 307, "upstream", location, continent, TimeSpan.FromMilliseconds(2));

        var duration = Assert.Single(recorder.Of(RequestMetrics.DurationName));
        recorder.Observe();
        var request = Assert.Single(recorder.Of(RequestMetrics.RequestsName));
        var client = Assert.Single(recorder.Of(RequestMetrics.ClientsName));
        Assert.Equal(1, request.Value);
        Assert.Equal(1, client.Value);
        var (requestTags, clientTags) = (expected.Split('|')[0], expected.Split('|')[1]);
        Assert.Equal("decision=upstream," + requestTags + ",status=307", request.TagText);
        Assert.Equal(clientTags, client.TagText);
        Assert.Equal(requestTags.Split(',')[0], duration.TagText);
        Assert.Equal(0.002, duration.Value, 6);
    }

    [Fact]
    public void One_label_set_reuses_its_tag_array()
    {
        using var recorder = new MeterRecorder();
        var metrics = new RequestMetrics(recorder.Meter);
        for (var i = 0; i < 3; i++)
        {
            metrics.Record(RequestKind.Blob, "GET", 307, "mirror:paris", null, null, TimeSpan.Zero);
        }

        // Warm: a request costs no allocation for its labels.
        var before = GC.GetAllocatedBytesForCurrentThread();
        metrics.Record(RequestKind.Blob, "GET", 307, "mirror:paris", null, null, TimeSpan.Zero);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, recorder.Of(RequestMetrics.DurationName).Count());
        // The recorder itself allocates its copies of the histogram's measurements; the counters allocate nothing.
        Assert.True(allocated < 1_000, $"{allocated} bytes");
        recorder.Observe();
        Assert.Equal(4, Assert.Single(recorder.Of(RequestMetrics.RequestsName)).Value);
        Assert.Equal(4, Assert.Single(recorder.Of(RequestMetrics.ClientsName)).Value);
    }

    [Fact]
    public void Counts_from_many_threads_add_up_exactly()
    {
        using var recorder = new MeterRecorder();
        var metrics = new RequestMetrics(recorder.Meter);
        var west3 = new CloudLocation("AWS", "eu-west-3");

        Parallel.For(0, 8_000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
            metrics.Record(RequestKind.Blob, i % 2 == 0 ? "GET" : "HEAD", 307, "mirror:paris", i % 4 == 0 ? west3 : null, null, TimeSpan.Zero));

        recorder.Observe();
        var requests = recorder.Of(RequestMetrics.RequestsName).ToDictionary(m => m.TagText, m => m.Value);
        Assert.Equal(4_000, requests["decision=mirror:paris,kind=blob,method=GET,status=307"]);
        Assert.Equal(4_000, requests["decision=mirror:paris,kind=blob,method=HEAD,status=307"]);
        var clients = recorder.Of(RequestMetrics.ClientsName).ToDictionary(m => m.TagText, m => m.Value);
        Assert.Equal(2_000, clients["cloud=AWS,continent=unknown,region=eu-west-3"]);
        Assert.Equal(6_000, clients["cloud=none,continent=unknown,region=none"]);
    }

    [Fact]
    public void The_duration_buckets_run_from_50_microseconds_to_5_seconds()
    {
        Assert.Equal(0.00005, RequestMetrics.DurationBuckets[0]);
        Assert.Equal(5, RequestMetrics.DurationBuckets[^1]);
        Assert.Equal(RequestMetrics.DurationBuckets.Order(), RequestMetrics.DurationBuckets);
    }
}
