using System.Globalization;
using System.Text.RegularExpressions;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Downloads broken on purpose (<see cref="FaultProxy"/>, <see cref="InterruptedDownloadBed"/>): every client pulls
/// <c>bed/large</c> (one 64 MiB layer) from an Archeio of the scenario's own while a proxy cuts the layer's body after
/// 8 MiB. What each client then did (resumed with <c>Range</c>, through Archeio or straight at the mirror or upstream;
/// restarted from zero; gave up) is read from the proxies' logs and Archeio's access log, never assumed, and goes in
/// <c>artifacts/test-results/interrupted-downloads.md</c>. The August 2026 incident is the CDN case: a mirror whose
/// HEAD is fine but that answers every <c>Range</c> with 400 breaks exactly the clients that resume, unless Archeio's
/// probes eject it.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed partial class InterruptedDownloadTests(PullTestBed bed, InterruptedDownloadBed cuts) : IClassFixture<InterruptedDownloadBed>
{
    /// <summary>A bound on one pull, above the clients' own (2 min), so that nothing here can hang the run.</summary>
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(3);

    /// <summary>How long Archeio may take to eject the CDN: its first probes, a second apart, each within 5 s.</summary>
    private static readonly TimeSpan EjectionTimeout = TimeSpan.FromSeconds(30);

    public static TheoryData<string> Clients() => [.. PullClients.Names];

    [Theory]
    [MemberData(nameof(Clients))]
    public Task A_download_cut_at_the_mirror_completes_for_every_client_that_resumes_or_restarts(string client)
        => RunAsync(CutScenario.Mirror, client, attempt => AssertCompletesIfItCan(attempt, "mirror:" + InterruptedDownloadBed.MirrorName));

    [Theory]
    [MemberData(nameof(Clients))]
    public Task A_download_cut_at_the_upstream_completes_for_every_client_that_resumes_or_restarts(string client)
        => RunAsync(CutScenario.Upstream, client, attempt => AssertCompletesIfItCan(attempt, PullTestBed.Upstream));

    [Theory]
    [MemberData(nameof(Clients))]
    public Task Without_probes_a_mirror_that_refuses_Range_fails_the_pulls_of_the_clients_that_resume(string client)
        => RunAsync(CutScenario.CdnWithoutProbes, client, attempt =>
        {
            var fetches = attempt.Fetches;
            Assert.True(fetches.FirstWasCut, $"the cdn did not cut the first GET of the layer: {fetches.Requests()}");
            // Its HEAD is fine, so Archeio keeps sending the layer there, the resumes included.
            Assert.All(fetches.ArcheioDecisions, d => Assert.Equal("mirror:" + InterruptedDownloadBed.CdnName, d));
            Assert.All(fetches.Resumes, r => Assert.Equal(400, r.Status));
            // Every plain GET is cut and every ranged one refused: the layer cannot be finished from this mirror, so
            // a client that resumes fails (and so does any other, however often it restarts).
            Assert.True(attempt.Failure is not null, $"{client} pulled the image although the cdn refuses every Range and cuts every GET: {fetches.Behaviour()}; {fetches.Requests()}");
        });

    [Theory]
    [MemberData(nameof(Clients))]
    public Task With_probes_a_mirror_that_refuses_Range_is_ejected_and_every_client_pulls_from_the_upstream(string client)
        => RunAsync(CutScenario.CdnWithProbes, client, attempt =>
        {
            var fetches = attempt.Fetches;
            Assert.True(attempt.Failure is null, $"{client} failed with the cdn ejected: {attempt.Reason}\n{fetches.Requests()}");
            Assert.Equal(cuts.Image.Digest, attempt.Pulled!.Digest);
            Assert.Empty(fetches.AtTarget);
            Assert.NotEmpty(fetches.ArcheioDecisions);
            Assert.All(fetches.ArcheioDecisions, d => Assert.Equal(PullTestBed.Upstream, d));
            Assert.Contains(fetches.Elsewhere, e => e.Proxy == cuts.UpstreamProxy.Name && e.Entry.Status == 200 && !e.Entry.Cut && e.Entry.Error is null);
        });

    /// <summary>
    /// The first GET of the layer was cut; a client that came back for the rest (resume or restart) must have
    /// finished with the pushed digest, and one that failed must not have come back (it gave up). Every GET of the
    /// layer Archeio answered went where the scenario's routing sends it.
    /// </summary>
    private static void AssertCompletesIfItCan(Attempt attempt, string decision)
    {
        var fetches = attempt.Fetches;
        Assert.True(fetches.FirstWasCut, $"the {fetches.Target} did not cut the first GET of the layer: {fetches.Requests()}");
        Assert.All(fetches.ArcheioDecisions, d => Assert.Equal(decision, d));
        if (fetches.FollowUps.Count > 0)
        {
            Assert.True(attempt.Failure is null, $"{attempt.Client} {fetches.Behaviour()} but its pull failed: {attempt.Reason}\n{fetches.Requests()}");
        }

        if (attempt.Failure is null)
        {
            Assert.Equal(attempt.PushedDigest, attempt.Pulled!.Digest);
            Assert.Contains(fetches.FollowUps, e => e.Status is 200 or 206 && !e.Cut && e.Error is null);
        }
    }

    private async Task RunAsync(CutScenario scenario, string client, Action<Attempt> check)
    {
        Attempt? attempt = null;
        var why = "-";
        try
        {
            var archeio = await cuts.ArcheioAsync(scenario);
            cuts.Arm(scenario);
            if (scenario == CutScenario.CdnWithProbes)
            {
                // The probe's ranged GET gets the CDN's 400: Archeio opens the mirror's breaker (gauge 2) and
                // sends no client there until a probe passes. Pull only once it says so.
                await Eventually.TrueAsync(
                    async () => await cuts.BreakerStateAsync(archeio, InterruptedDownloadBed.CdnName) == 2,
                    $"archeio_blob_check_breaker_state{{mirror=\"{InterruptedDownloadBed.CdnName}\"}} = 2",
                    EjectionTimeout);
                Assert.Contains(cuts.Cdn.Log, e => e.Path.EndsWith("/" + cuts.ProbeDigest, StringComparison.Ordinal) && e.Range is not null && e.Status == 400);
            }

            attempt = await PullAsync(scenario, client, archeio);
            check(attempt);
        }
        catch (Exception ex) when (attempt is null)
        {
            why = "not pulled: " + FirstLine(ex.Message);
            throw;
        }
        finally
        {
            cuts.Record(attempt?.Row(scenario) ?? new InterruptedDownloadRow(scenario, client, why, "-", "-", "-", TimeSpan.Zero));
            await bed.Client(client).ResetAsync();
        }
    }

    private async Task<Attempt> PullAsync(CutScenario scenario, string client, ServerProcess archeio)
    {
        var target = cuts.CutAt(scenario);
        var marks = cuts.Proxies.ToDictionary(p => p, p => p.Mark());
        var archeioMark = archeio.StandardOutput.Count;
        var reference = $"127.0.0.1:{archeio.Port.ToString(CultureInfo.InvariantCulture)}/{PullTestBed.Repository("large")}:{PullTestBed.Tag}";
        var started = TimeProvider.System.GetTimestamp();
        PulledImage? pulled = null;
        Exception? failure = null;
        try
        {
            pulled = await bed.Client(client).PullAsync(reference, CancellationToken.None).WaitAsync(PullTimeout);
        }
        catch (Exception ex)
        {
            failure = ex;
        }

        var elapsed = TimeProvider.System.GetElapsedTime(started);
        foreach (var proxy in cuts.Proxies)
        {
            await proxy.WhenIdleAsync();
        }

        var layerPath = $"/v2/{PullTestBed.Repository("large")}/blobs/{cuts.Layer}";
        var decisions = (await cuts.ArcheioAccessSinceAsync(archeio, archeioMark))
            .Where(e => e.GetProperty("Method").GetString() == "GET" && e.GetProperty("Path").GetString() == layerPath)
            .Select(e => e.GetProperty("Decision").GetString()!)
            .ToList();
        bool IsLayerGet(FaultProxyEntry e) => e.Method == "GET" && e.Path.EndsWith("/" + cuts.Layer, StringComparison.Ordinal);
        var fetches = new LayerFetches(
            target.Name,
            [.. target.Since(marks[target]).Where(IsLayerGet)],
            [.. cuts.Proxies.Where(p => p != target).SelectMany(p => p.Since(marks[p]).Where(IsLayerGet).Select(e => (p.Name, e)))],
            decisions);
        return new Attempt(client, cuts.Image.Digest, pulled, failure, fetches, elapsed);
    }

    private static string FirstLine(string text) => text.Split('\n')[0];

    /// <summary>One pull and what the logs say about it.</summary>
    private sealed record Attempt(string Client, string PushedDigest, PulledImage? Pulled, Exception? Failure, LayerFetches Fetches, TimeSpan Elapsed)
    {
        /// <summary>The client's own words for its failure: the fatal line of its stderr, else the first line.</summary>
        public string Reason => Failure is null ? "-" : ShortReason(Failure.Message);

        public InterruptedDownloadRow Row(CutScenario scenario)
        {
            var behaviour = scenario == CutScenario.CdnWithProbes && Fetches.AtTarget.Count == 0
                ? $"no cut: Archeio ejected the {Fetches.Target} (breaker open after a refused probe), the layer came from the upstream"
                : Fetches.Behaviour();
            var digest = Pulled is null ? "-" : Pulled.Digest == PushedDigest ? "= pushed" : "≠ pushed: " + Pulled.Digest;
            return new InterruptedDownloadRow(scenario, Client, behaviour, Failure is null ? "pulled" : "failed: " + Reason, digest, Fetches.Requests(), Elapsed);
        }

        private static string ShortReason(string message)
        {
            var lines = message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var fatal = lines.LastOrDefault(l => l.Contains("level=fatal", StringComparison.Ordinal) || l.StartsWith("Error:", StringComparison.Ordinal) || l.StartsWith("ctr:", StringComparison.Ordinal))
                ?? lines.FirstOrDefault() ?? message;
            if (Message().Match(fatal) is { Success: true } quoted)
            {
                fatal = quoted.Groups[1].Value;
            }

            fatal = Digest().Replace(fatal, m => m.Value[..15] + "…");
            fatal = TempPath().Replace(fatal, "\"…\"");
            return fatal.Length <= 220 ? fatal : fatal[..220] + "…";
        }
    }

    [GeneratedRegex("msg=\"(.*)\"")]
    private static partial Regex Message();

    [GeneratedRegex("sha256:[0-9a-f]{64}")]
    private static partial Regex Digest();

    [GeneratedRegex("\"/tmp/[^\"]*\"")]
    private static partial Regex TempPath();
}
