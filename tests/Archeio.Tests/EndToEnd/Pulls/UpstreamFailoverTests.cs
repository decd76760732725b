using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Upstream failover with real clients (<see cref="UpstreamFailoverBed"/>): every client pulls <c>bed/multi</c> with
/// both upstreams up (tags from the first); a steady stream of tag requests runs while the first upstream is killed;
/// Archeio's probes eject it and the stream's requests go to the second; then every client pulls again and must
/// succeed, its tag requests answered by the second upstream, its platform manifest and the blobs s3 holds from s3,
/// the rest from the second upstream, nothing from the dead one. The time from the kill to the first request routed
/// to the second and the requests that went to the dead one meanwhile are measured and written to
/// <c>artifacts/test-results/upstream-failover.md</c>.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class UpstreamFailoverTests(PullTestBed bed, UpstreamFailoverBed failover) : IClassFixture<UpstreamFailoverBed>
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(3);

    /// <summary>The stream's pace: a request every 50 ms, as a busy cluster's pulls arrive.</summary>
    private static readonly TimeSpan StreamPace = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// The promise: within one probe interval plus the failure count (the next probe after the kill, then
    /// <c>FailAfter</c> failures an interval apart), each probe bounded by its timeout, with a margin for a loaded machine.
    /// </summary>
    private static readonly TimeSpan Promised = UpstreamFailoverBed.Interval * (UpstreamFailoverBed.FailAfter + 1) + UpstreamFailoverBed.ProbeTimeout;

    [Fact]
    public async Task Killing_the_first_upstream_sends_every_client_s_next_pull_to_the_second_within_the_probe_bound()
    {
        var firstHost = new Uri(failover.First.BaseUrl).Authority;
        var secondHost = new Uri(failover.Second.BaseUrl).Authority;
        var s3Host = new Uri(bed.S3Mirror.BucketUrl).Authority;
        var report = new StringBuilder();

        // Before: both up, tags from the first.
        foreach (var client in PullClients.Names)
        {
            var mark = failover.Archeio.StandardOutput.Count;
            var pulled = await bed.Client(client).PullAsync(failover.Reference, CancellationToken.None).WaitAsync(PullTimeout);
            Assert.Equal(failover.Image.Digest, pulled.Digest);
            var tags = (await failover.AccessSinceAsync(mark)).Where(IsTagRequest).ToList();
            Assert.NotEmpty(tags);
            Assert.All(tags, e => Assert.Equal(firstHost, e.GetProperty("TargetHost").GetString()));
            await bed.Client(client).ResetAsync();
        }

        // The stream, then the kill.
        var stream = new ConcurrentQueue<(long Sent, string? Host)>();
        using var stopStream = new CancellationTokenSource();
        var streaming = StreamAsync(stream, stopStream.Token);
        await Eventually.TrueAsync(() => stream.Count >= 5, "the stream's first answers");
        var archeioMark = failover.Archeio.StandardOutput.Count;
        await failover.KillFirstAsync();
        var killed = TimeProvider.System.GetTimestamp();
        await Eventually.TrueAsync(
            () => stream.Any(r => r.Sent > killed && r.Host == secondHost),
            "a tag request routed to the second upstream",
            Promised + TimeSpan.FromSeconds(5));
        await Eventually.TrueAsync(() => stream.Count(r => r.Sent > killed && r.Host == secondHost) >= 5, "the stream staying on the second upstream");
        await stopStream.CancelAsync();
        await streaming;

        var afterKill = stream.Where(r => r.Sent > killed).OrderBy(r => r.Sent).ToList();
        var firstToSecond = afterKill.First(r => r.Host == secondHost);
        var switchedAfter = TimeSpan.FromTicks((firstToSecond.Sent - killed) * TimeSpan.TicksPerSecond / TimeProvider.System.TimestampFrequency);
        var toDeadInStream = afterKill.Count(r => r.Sent < firstToSecond.Sent && r.Host == firstHost);
        // Once switched, no request goes back to the dead one.
        Assert.All(afterKill.Where(r => r.Sent > firstToSecond.Sent), r => Assert.Equal(secondHost, r.Host));
        var toDeadInLog = (await failover.AccessSinceAsync(archeioMark)).Count(e => e.GetProperty("TargetHost").GetString() == firstHost);
        Assert.True(switchedAfter <= Promised, $"the first request to the second upstream came {switchedAfter.TotalSeconds:F1} s after the kill, more than {Promised.TotalSeconds:F0} s");
        // The log, read from just before the kill, also has the requests sent between its mark and the kill.
        Assert.True(toDeadInLog >= toDeadInStream, $"Archeio logged {toDeadInLog} requests to the dead upstream, the stream saw {toDeadInStream}");

        var ready = await failover.Http.GetStringAsync(new Uri(failover.Archeio.MetricsAddress, "/readyz"));
        Assert.Matches(@"upstream default: ejected for \d+ s .*probe failed: .+", ready);
        var metrics = await PrometheusText.ScrapeAsync(failover.Http, failover.Archeio.MetricsAddress);
        Assert.Equal(0, metrics.Value("archeio_upstream_healthy", ("upstream", "default")));
        Assert.Equal(1, metrics.Value("archeio_upstream_healthy", ("upstream", "second")));
        Assert.Equal(1, metrics.Value("archeio_upstream_ejections_total", ("upstream", "default")));
        Assert.True(metrics.Value("archeio_upstream_probes_total", ("upstream", "default"), ("outcome", "fail")) >= UpstreamFailoverBed.FailAfter);
        Assert.Contains(failover.Archeio.StandardOutput, line => line.Contains("\"EventId\":90", StringComparison.Ordinal) && line.Contains("Upstream default is ejected", StringComparison.Ordinal));

        report.AppendLine(CultureInfo.InvariantCulture, $"Upstream failover of `bed/multi` (an index of {failover.Image.ChildManifestDigests.Count} platforms): Archeio's rule lists the upstreams `default` (the first Distribution) then `second`; `UpstreamHealth`: Interval {UpstreamFailoverBed.Interval.TotalSeconds:F0} s, Timeout {UpstreamFailoverBed.ProbeTimeout.TotalSeconds:F0} s, FailAfter {UpstreamFailoverBed.FailAfter}.");
        report.AppendLine(CultureInfo.InvariantCulture, $"A tag request every {StreamPace.TotalMilliseconds:F0} ms ran while the first upstream's process was killed (connections refused from then on).");
        report.AppendLine();
        report.AppendLine("| measured | value |");
        report.AppendLine("| --- | --- |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| kill → first request routed to the second upstream | {switchedAfter.TotalMilliseconds:F0} ms (bound: {Promised.TotalSeconds:F0} s) |");
        report.AppendLine(CultureInfo.InvariantCulture, $"| client requests sent to the dead upstream meanwhile | {toDeadInStream} of {afterKill.Count(r => r.Sent < firstToSecond.Sent)} (Archeio's access log from just before the kill: {toDeadInLog}) |");
        report.AppendLine();
        report.AppendLine("| client | pull after the kill | tag requests | platform manifests | blobs |");
        report.AppendLine("| --- | --- | --- | --- | --- |");

        // After: every client's next pull succeeds; nothing goes to the dead upstream.
        foreach (var client in PullClients.Names)
        {
            var mark = failover.Archeio.StandardOutput.Count;
            var secondMark = failover.Second.AccessLog.Mark();
            var s3Mark = bed.S3Mirror.AccessLog.Mark();
            var pulled = await bed.Client(client).PullAsync(failover.Reference, CancellationToken.None).WaitAsync(PullTimeout);
            Assert.Equal(failover.Image.Digest, pulled.Digest);
            var access = await failover.AccessSinceAsync(mark);
            Assert.DoesNotContain(access, e => e.GetProperty("TargetHost").GetString() == firstHost);
            var tags = access.Where(IsTagRequest).ToList();
            Assert.NotEmpty(tags);
            Assert.All(tags, e => Assert.Equal(secondHost, e.GetProperty("TargetHost").GetString()));
            await failover.Second.WaitForAccessLogAsync(secondMark, log => log.Any(e => e.Path == "/v2/" + PullTestBed.UpstreamRepository("multi") + "/manifests/" + PullTestBed.Tag));

            var children = access.Where(e => failover.Image.ChildManifestDigests.Any(c => Path(e).EndsWith("/manifests/" + c, StringComparison.Ordinal))).ToList();
            Assert.NotEmpty(children);
            Assert.All(children, e => Assert.Equal("mirror:" + PullTestBed.S3, e.GetProperty("Decision").GetString()));
            var blobs = access.Where(e => Path(e).Contains("/blobs/", StringComparison.Ordinal) && e.GetProperty("Method").GetString() == "GET").ToList();
            Assert.NotEmpty(blobs);
            foreach (var blob in blobs)
            {
                var digest = Path(blob)[(Path(blob).LastIndexOf('/') + 1)..];
                var expectedHost = bed.ExpectedBackend(PullTestBed.AwsEuWest3, digest) == PullTestBed.S3 ? s3Host : secondHost;
                Assert.Equal(expectedHost, blob.GetProperty("TargetHost").GetString());
            }

            // s3's own log shows the platform manifest it served.
            await bed.S3Mirror.WaitForAsync(
                s3Mark,
                log => log.Any(e => e.Method == "GET" && children.Any(c => e.Path.EndsWith("/containers/manifests/" + Path(c)[(Path(c).LastIndexOf('/') + 1)..], StringComparison.Ordinal))),
                TimeSpan.FromSeconds(5));
            var fromS3 = blobs.Count(b => b.GetProperty("Decision").GetString() == "mirror:" + PullTestBed.S3);
            report.AppendLine(CultureInfo.InvariantCulture, $"| {client} | pulled, digest = pushed | {tags.Count}, all from second | {children.Count} by digest, from s3 | {fromS3} from s3, {blobs.Count - fromS3} from second |");
            await bed.Client(client).ResetAsync();
        }

        var directory = System.IO.Path.Combine(Tools.RepositoryRoot, "artifacts", "test-results");
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(System.IO.Path.Combine(directory, "upstream-failover.md"), report.ToString());
    }

    private static bool IsTagRequest(JsonElement entry) => Path(entry) == UpstreamFailoverBed.TagPath;

    private static string Path(JsonElement entry) => entry.GetProperty("Path").GetString()!;

    /// <summary>Sends the tag request every <see cref="StreamPace"/>, without following the redirect, recording where each went.</summary>
    private async Task StreamAsync(ConcurrentQueue<(long Sent, string? Host)> answers, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(StreamPace);
        var url = new Uri(failover.Archeio.BaseAddress, UpstreamFailoverBed.TagPath);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var sent = TimeProvider.System.GetTimestamp();
                using var response = await failover.Http.GetAsync(url, stop);
                answers.Enqueue((sent, response.Headers.Location?.Authority));
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }
}
