using Archeio.Blobs;
using Archeio.Configuration;
using Archeio.Metrics;
using Archeio.Tests.Support;

namespace Archeio.Tests.Metrics;

public sealed class BlobHeadMetricsTests
{
    public static TheoryData<string, bool, long?, string, long?> Outcomes => new()
    {
        { nameof(HeadOutcome.Present), false, 1234, "present", 1234 },
        { nameof(HeadOutcome.Present), false, null, "present", null },
        { nameof(HeadOutcome.Absent), false, null, "absent", null },
        { nameof(HeadOutcome.Failed), false, null, "error", null },
        { nameof(HeadOutcome.Failed), true, null, "timeout", null },
    };

    [Theory]
    [MemberData(nameof(Outcomes))]
    public void Each_HEAD_is_counted_by_mirror_and_outcome_and_present_ones_add_their_size(
        string outcome, bool timedOut, long? contentLength, string label, long? bytes)
    {
        using var recorder = new MeterRecorder();
        var settings = TestSettings.Create(mirrors: [Mirror("paris", 0), Mirror("cdn", 1)]);
        var metrics = new BlobHeadMetrics(recorder.Meter, settings);

        metrics.OnHead(settings.Mirrors[1], Enum.Parse<HeadOutcome>(outcome), timedOut, contentLength);

        var head = Assert.Single(recorder.Of(BlobHeadMetrics.HeadsName));
        Assert.Equal("mirror=cdn,outcome=" + label, head.TagText);
        Assert.Equal(1, head.Value);
        Assert.Equal(bytes, recorder.Of(BlobHeadMetrics.BytesName).SingleOrDefault()?.Value is { } v ? (long)v : null);
    }

    [Theory]
    [InlineData(nameof(BreakerState.Closed), 0)]
    [InlineData(nameof(BreakerState.HalfOpen), 1)]
    [InlineData(nameof(BreakerState.Open), 2)]
    public void Breaker_states_are_numbered_as_documented(string state, int value)
        => Assert.Equal(value, BlobCheckStateMetrics.StateValue(Enum.Parse<BreakerState>(state)));

    private static MirrorSettings Mirror(string name, int index)
        => new(name, "https://" + name + ".example/{digest}", index);
}
