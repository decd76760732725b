using System.Net;
using Archeio.Configuration;
using Archeio.RateLimiting;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.RateLimiting;

/// <summary>
/// <c>Upstreams:N:MaxRequestsPerMinute</c>: the board counts what was sent to each upstream over a sliding minute; the
/// router, given which are at their quota as a fact, passes them over for tag and manifest requests like ejected ones,
/// and answers 429 when none is left.
/// </summary>
public sealed class UpstreamQuotaTests
{
    private static readonly UpstreamSettings First = TestSettings.Upstream with { MaxRequestsPerMinute = 3 };
    private static readonly UpstreamSettings Second = new UpstreamSettings("https://second.example", "", null, "") { Name = "second", Index = 1, MaxRequestsPerMinute = 2 };

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 8, 0, 0, TimeSpan.Zero));

    private static ArcheioSettings Settings() => TestSettings.Create() with { Upstream = First, Upstreams = [Second], UpstreamFailover = [First, Second] };

    [Fact]
    public void The_board_counts_a_sliding_minute_and_says_when_there_is_room_again()
    {
        var board = new UpstreamQuotaBoard(Settings(), _time);
        Assert.True(board.Enabled);
        Assert.Same(UpstreamQuotaView.None, board.Current);

        board.Record(First);
        _time.Advance(TimeSpan.FromSeconds(20));
        board.Record(First);
        board.Record("upstream:default");
        board.Record("mirror:s3");

        var view = board.Current!;
        Assert.True(view.IsSaturated(First));
        Assert.False(view.IsSaturated(Second));
        // The first request leaves the minute 40 s from now.
        Assert.Equal(TimeSpan.FromSeconds(40), view.RetryAfter);
        Assert.Same(view, board.Current);

        _time.Advance(TimeSpan.FromSeconds(40));
        Assert.Same(UpstreamQuotaView.None, board.Current);
        _time.Advance(TimeSpan.FromSeconds(21));
        board.Record(First);
        Assert.Same(UpstreamQuotaView.None, board.Current);
    }

    [Fact]
    public void Without_quotas_there_is_nothing_to_read()
        => Assert.Null(new UpstreamQuotaBoard(TestSettings.Create(), _time).Current);

    [Fact]
    public void Tag_requests_pass_an_upstream_at_its_quota_over_and_get_429_when_none_is_left()
    {
        var settings = Settings();
        var router = new Router(settings);
        var board = new UpstreamQuotaBoard(settings, _time);

        Assert.Equal(First.Host, Manifest(router, board).TargetHost);
        Record(board, First, 3);
        var second = Manifest(router, board);
        Assert.Equal(Second.Host, second.TargetHost);
        Assert.Same(Second, second.Upstream);

        Record(board, Second, 2);
        var refused = Assert.IsType<RateLimited>(Decide(router, board, "/v2/pause/manifests/3.10"));
        Assert.Equal("upstream:default", refused.Limit);
        Assert.Equal("rate-limited:upstream:default", refused.Decision);
        Assert.Equal("60", refused.RetryAfterSeconds);
        Assert.Contains("quota", refused.Message, StringComparison.Ordinal);
        Assert.IsType<RateLimited>(Decide(router, board, "/v2/pause/tags/list"));

        // Blobs are not tag or manifest requests: they still go to the upstream (content-addressed, often a redirect to storage).
        Assert.IsType<Redirect>(Decide(router, board, "/v2/pause/blobs/sha256:" + new string('a', 64)));
    }

    [Fact]
    public void A_proxied_tag_request_asks_no_upstream_at_its_quota()
    {
        var settings = Settings() with { Rules = [new RuleSettings(null, [], []) { Action = RuleAction.Proxy }] };
        var router = new Router(settings);
        var board = new UpstreamQuotaBoard(settings, _time);

        Assert.Equal(["upstream:default", "upstream:second"], Assert.IsType<Proxy>(Decide(router, board, "/v2/pause/manifests/3.10")).Sources.Select(s => s.Label));
        Record(board, First, 3);
        Assert.Equal(["upstream:second"], Assert.IsType<Proxy>(Decide(router, board, "/v2/pause/manifests/3.10")).Sources.Select(s => s.Label));
    }

    [Fact]
    public void Within_quota_ejected_upstreams_are_still_the_fail_static_choice()
    {
        var settings = Settings();
        var health = UpstreamHealthView.AllHealthy.With(First, true).With(Second, true);
        var quotas = new UpstreamQuotaView([true, false], TimeSpan.FromSeconds(5));

        Assert.Same(Second, Router.PickWithinQuota(settings.UpstreamFailover, health, quotas));
        Assert.Same(First, Router.PickWithinQuota(settings.UpstreamFailover, health, UpstreamQuotaView.None));
        Assert.Null(Router.PickWithinQuota(settings.UpstreamFailover, health, new UpstreamQuotaView([true, true], TimeSpan.FromSeconds(5))));
    }

    private static void Record(UpstreamQuotaBoard board, UpstreamSettings upstream, int times)
    {
        for (var i = 0; i < times; i++)
        {
            board.Record(upstream);
        }
    }

    private static Redirect Manifest(Router router, UpstreamQuotaBoard board) => Assert.IsType<Redirect>(Decide(router, board, "/v2/pause/manifests/3.10"));

    private static RouterAnswer Decide(Router router, UpstreamQuotaBoard board, string target)
        => router.Decide(new RequestFacts("GET", RequestTargetParser.Parse(target), new ClientFacts(IPAddress.Parse("198.51.100.7"), null, null), Quotas: board.Current));
}
