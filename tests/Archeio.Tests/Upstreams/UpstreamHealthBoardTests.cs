using Archeio.Configuration;
using Archeio.Tests.Support;
using Archeio.Upstreams;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Upstreams;

/// <summary>Ejection after <c>FailAfter</c> failures in a row, recovery after <c>RecoverAfter</c> passes in a row.</summary>
public sealed class UpstreamHealthBoardTests
{
    private static readonly UpstreamSettings Second = new UpstreamSettings("https://second.example", "", null, "") { Name = "second", Index = 1 };

    private readonly FakeTimeProvider _time = new();
    private readonly UpstreamHealthBoard _board;

    public UpstreamHealthBoardTests()
    {
        var settings = TestSettings.Create() with
        {
            Upstreams = [Second],
            UpstreamHealth = UpstreamHealthSettings.Default with { FailAfter = 3, RecoverAfter = 2 },
        };
        _board = new UpstreamHealthBoard(settings, _time);
    }

    [Fact]
    public void Every_upstream_starts_healthy()
    {
        Assert.False(_board.Current.IsEjected(Second));
        Assert.False(_board.StateOf(Second).Ejected);
        Assert.False(_board.Current.IsEjected(TestSettings.Upstream));
    }

    [Fact]
    public void Failures_in_a_row_eject_and_a_pass_between_them_starts_the_count_again()
    {
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "GET /v2/ answered 503").Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "GET /v2/ answered 503").Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, null).Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "a").Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "b").Change);
        Assert.False(_board.Current.IsEjected(Second));
        _time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(UpstreamHealthChange.Ejected, _board.Record(Second, "c").Change);

        Assert.True(_board.Current.IsEjected(Second));
        Assert.False(_board.Current.IsEjected(TestSettings.Upstream));
        var state = _board.StateOf(Second);
        Assert.Equal((true, _time.GetUtcNow(), "c", 3), (state.Ejected, state.Since, state.Reason, state.FailStreak));
        Assert.Equal(new UpstreamHealthCounts(1, 5, 1, 0), state.Counts);
    }

    [Fact]
    public void An_ejected_upstream_recovers_after_passes_in_a_row()
    {
        for (var i = 0; i < 3; i++)
        {
            _board.Record(Second, "down");
        }

        var ejectedAt = _time.GetUtcNow();
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "still down").Change);
        Assert.Equal(ejectedAt, _board.StateOf(Second).Since);
        Assert.Equal("still down", _board.StateOf(Second).Reason);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, null).Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "flap").Change);
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, null).Change);
        Assert.True(_board.Current.IsEjected(Second));
        _time.Advance(TimeSpan.FromSeconds(42));

        var (change, before) = _board.Record(Second, null);

        Assert.Equal(UpstreamHealthChange.Recovered, change);
        Assert.Equal(ejectedAt, before.Since);
        Assert.False(_board.Current.IsEjected(Second));
        Assert.Equal(new UpstreamHealthCounts(3, 5, 1, 1), _board.StateOf(Second).Counts);
        // Ejected again only after FailAfter new failures.
        Assert.Equal(UpstreamHealthChange.None, _board.Record(Second, "x").Change);
        Assert.False(_board.Current.IsEjected(Second));
    }
}
