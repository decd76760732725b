using System.Globalization;
using System.Text.Json;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// A mirror that lies (<see cref="LyingMirrorBed"/>): its HEAD says it holds a layer of <c>bed/single</c>, its GET serves
/// the same number of wrong bytes. Every client pulls the image through a proxying rule, from an Archeio of its own.
/// Asserted for every client: Archeio fetched the layer from the liar once, found the bytes wrong (event 101;
/// <c>archeio_proxy_requests_total{source="mirror:liar",outcome="digest-mismatch"}</c> on the real process's metrics
/// port) and cut the client's download (the client saw its connection reset); the liar was not asked for the layer
/// again. Then, per client, as the bed's versions behave: skopeo (<c>--retry-times 0</c>) and containerd (<c>ctr</c>
/// gives up on a reset) fail; podman (3 retries, 1 s apart) and docker (download retried after 5 s) retry, get the
/// layer from the upstream through Archeio, and end with the pushed digest and every layer's diff ID right.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class LyingMirrorTests(PullTestBed bed, LyingMirrorBed lying) : IClassFixture<LyingMirrorBed>, IDisposable
{
    private static readonly TimeSpan PullTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Whether each client, cut once, retries and so completes the pull (read from the runs, then held to).</summary>
    private static readonly Dictionary<string, bool> CompletesAfterTheCut = new(StringComparer.Ordinal)
    {
        [PullClients.Skopeo] = false,
        [PullClients.Podman] = true,
        [PullClients.Containerd] = false,
        [PullClients.Docker] = true,
    };

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };

    public void Dispose() => _http.Dispose();

    public static TheoryData<string> Clients() => [.. PullClients.Names];

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task A_mirror_serving_wrong_bytes_for_a_digest_never_leaves_a_client_with_a_wrong_blob(string client)
    {
        await bed.RecordAsync("lying-mirror", client, "loopback, proxy", "single", async () =>
        {
            var archeio = await lying.StartArcheioAsync();
            var s3Mark = bed.S3Mirror.AccessLog.Mark();
            var upstreamMark = bed.UpstreamRegistry.AccessLog.Mark();
            var reference = $"127.0.0.1:{archeio.Port.ToString(CultureInfo.InvariantCulture)}/{LyingMirrorBed.Repository}:{PullTestBed.Tag}";
            PulledImage? pulled = null;
            Exception? failure = null;
            try
            {
                pulled = await bed.Client(client).PullAsync(reference, CancellationToken.None).WaitAsync(PullTimeout);
            }
            catch (InvalidOperationException ex)
            {
                // The client exited non-zero (a hang would be a TimeoutException, and fail the test).
                failure = ex;
            }

            // Archeio's side: the liar was asked once, its bytes found wrong, the client's download cut.
            var access = await archeio.AccessLogSinceAsync(_http, 0);
            var layerPath = $"/v2/{LyingMirrorBed.Repository}/blobs/{lying.Layer}";
            var layerGets = access.Where(e => e.GetProperty("Method").GetString() == "GET" && e.GetProperty("Path").GetString() == layerPath).ToList();
            var decisions = layerGets.Select(e => e.GetProperty("Decision").GetString()!).ToList();
            Assert.Equal("proxy:mirror:" + LyingMirrorBed.Liar, decisions.FirstOrDefault());
            Assert.Single(decisions, d => d == "proxy:mirror:" + LyingMirrorBed.Liar);
            var liarGets = bed.S3Mirror.AccessLog.Since(s3Mark).Where(e => e.Method == "GET" && e.Path.EndsWith(LyingMirrorBed.Prefix + lying.Layer, StringComparison.Ordinal)).ToList();
            var liarGet = Assert.Single(liarGets);
            Assert.Equal(200, liarGet.Status);

            var mismatch = Assert.Single(archeio.StandardOutput, line => line.Contains("\"EventId\":101", StringComparison.Ordinal));
            using (var logged = JsonDocument.Parse(mismatch))
            {
                var message = logged.RootElement.GetProperty("Message").GetString()!;
                Assert.Contains("mirror:" + LyingMirrorBed.Liar, message, StringComparison.Ordinal);
                Assert.Contains($"served bytes for {lying.Layer} that hash to sha256:", message, StringComparison.Ordinal);
            }

            var metrics = await PrometheusText.ScrapeAsync(_http, archeio.MetricsAddress);
            Assert.Equal(1, metrics.Value("archeio_proxy_requests_total", ("source", "mirror:" + LyingMirrorBed.Liar), ("outcome", "digest-mismatch")));
            Assert.Null(metrics.Value("archeio_proxy_requests_total", ("source", "mirror:" + LyingMirrorBed.Liar), ("outcome", "served")));

            // The client's side: per client, failed on the cut, or completed with the right bytes from the upstream.
            Assert.True(
                CompletesAfterTheCut[client] == (pulled is not null),
                $"{client} {(pulled is null ? "failed" : "completed")}, expected it to {(CompletesAfterTheCut[client] ? "complete" : "fail")}: {failure?.Message}");
            string outcome;
            if (pulled is null)
            {
                // It failed because the download was cut, not for another reason.
                Assert.Contains("connection reset by peer", failure!.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(decisions, d => d != "proxy:mirror:" + LyingMirrorBed.Liar);
                outcome = "pull failed: connection reset by peer, no retry";
            }
            else
            {
                Assert.Equal(lying.Image.Digest, pulled.Digest);
                Assert.Equal(lying.Image.SinglePlatform.DiffIds, await DiffIdsAsync(client, reference));
                Assert.Equal("proxy:upstream:default", decisions[^1]);
                // The retry: the whole layer (200), or, when bytes before the held-back last write had reached the client,
                // a resume from there (206: docker does so when the cut came after some bytes, which depends on how the
                // source's body arrived in reads); either way the client's own digest check passed (the diff IDs above).
                var retryStatus = layerGets[^1].GetProperty("Status").GetInt32();
                Assert.True(retryStatus is 200 or 206, $"the retry of the layer answered {retryStatus}");
                Assert.Contains(
                    bed.UpstreamRegistry.AccessLog.Since(upstreamMark),
                    e => e.Method == "GET" && e.Path == $"/v2/{PullTestBed.UpstreamRepository("single")}/blobs/{lying.Layer}" && e.Status == retryStatus);
                outcome = $"retried ({(retryStatus == 206 ? "resumed with Range" : "whole")}), pulled: digest = pushed, diff IDs right; the layer's {decisions.Count} GETs: {string.Join(", ", decisions)}";
            }

            return $"{outcome}; event 101 once, digest-mismatch 1, liar GETs 1";
        }, cleanup: async () =>
        {
            await lying.StopArcheioAsync();
            await bed.Client(client).ResetAsync();
        });
    }

    /// <summary>The diff IDs (digests of the unpacked layers) of the pulled image, as the client computed them from the bytes it got.</summary>
    private async Task<IReadOnlyList<string>> DiffIdsAsync(string client, string reference)
    {
        var json = client switch
        {
            PullClients.Docker => await ((DockerPullClient)bed.Client(client)).InspectAsync(reference, "{{json .RootFS.Layers}}"),
            PullClients.Podman => await ((PodmanPullClient)bed.Client(client)).InspectAsync(reference, "{{json .RootFS.Layers}}"),
            _ => throw new InvalidOperationException($"{client} was not expected to complete the pull: add its layer check"),
        };
        return JsonSerializer.Deserialize<string[]>(json) ?? [];
    }
}
