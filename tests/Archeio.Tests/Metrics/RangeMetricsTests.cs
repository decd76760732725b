using Archeio.Configuration;
using Archeio.Metrics;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Parsing;
using Archeio.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Metrics;

public sealed class RangeMetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Fact]
    public void Range_series_are_read_from_RangeStatus_per_cloud_at_scrape_time()
    {
        using var recorder = new MeterRecorder();
        var settings = TestSettings.Create() with
        {
            Ranges =
            [
                new RangeSourceSettings("AWS", RangeFormat.Aws, "https://aws.example/ip-ranges.json"),
                new RangeSourceSettings("GCP", RangeFormat.Gcp, "/data/gcp.json"),
                new RangeSourceSettings("GCP", RangeFormat.Gcp, "/data/gcp-extra.json"),
                new RangeSourceSettings("Azure", RangeFormat.Azure, "https://azure.example/tags.json"),
            ],
        };
        var status = new RangeStatus(settings);
        _ = new RangeMetrics(recorder.Meter, status, new FakeTimeProvider(Now));
        status.Update(new RangeSourceStatus("AWS", "https://aws.example/ip-ranges.json", 9000, true, Now.AddHours(-2), Now, 1, null));
        status.Update(new RangeSourceStatus("GCP", "/data/gcp.json", 800, true, Now.AddMinutes(-10), Now, 0, null));
        status.Update(new RangeSourceStatus("GCP", "/data/gcp-extra.json", 20, true, Now.AddMinutes(-30), Now, 2, null));
        status.Update(new RangeSourceStatus("Azure", "https://azure.example/tags.json", 0, false, null, null, 3, "timed out"));

        recorder.Observe();

        Assert.Equal(
            ["AWS=9000", "Azure=0", "GCP=820"],
            Values(recorder, RangeMetrics.PrefixesName));
        // A cloud's age is that of its oldest data; a cloud without data has no age.
        Assert.Equal(["AWS=7200", "GCP=1800"], Values(recorder, RangeMetrics.AgeName));
        Assert.Equal(["AWS=1", "Azure=3", "GCP=2"], Values(recorder, RangeMetrics.FailuresName));
    }

    private static string[] Values(MeterRecorder recorder, string name)
        => [.. recorder.Of(name).Select(m => m.Tags["cloud"] + "=" + m.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).Order(StringComparer.Ordinal)];
}
