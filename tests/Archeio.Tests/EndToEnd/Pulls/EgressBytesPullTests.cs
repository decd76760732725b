using Archeio.Metrics;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Bytes per target after a real pull: skopeo pulls through the load balancer and the Release server from the s3rver
/// mirror (and the Distribution upstream for the layer s3 lacks), and <c>/metrics</c> then counts for <c>s3</c> exactly
/// the sizes of the blobs the client was redirected there for (read from Archeio's access log, sized by the image's
/// own blobs): what the mirror's HEADs said, kept with their answers.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class EgressBytesPullTests(PullTestBed bed) : IDisposable
{
    private readonly HttpClient _http = new();

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task After_a_skopeo_pull_the_s3_mirrors_redirected_bytes_are_the_layers_it_was_sent_for()
    {
        var location = PullTestBed.AwsEuWest3;
        var image = bed.Images["single"];
        await bed.RecordAsync("egress-bytes", PullClients.Skopeo, location.Name, "single", async () =>
        {
            var before = await PrometheusText.ScrapeAsync(_http, bed.Archeio.MetricsAddress);
            var mark = bed.MarkArcheio();

            var pulled = await bed.Client(PullClients.Skopeo).PullAsync($"{bed.LoadBalancer(location)}/bed/single:{PullTestBed.Tag}", CancellationToken.None);

            Assert.Equal(image.Digest, pulled.Digest);
            var after = await PrometheusText.ScrapeAsync(_http, bed.Archeio.MetricsAddress);
            var gets = (await bed.ArcheioAccessSinceAsync(mark))
                .Where(e => e.GetProperty("Method").GetString() == "GET" && e.GetProperty("Path").GetString()!.Contains("/blobs/", StringComparison.Ordinal))
                .Select(e => (Decision: e.GetProperty("Decision").GetString()!, Digest: e.GetProperty("Path").GetString()![(e.GetProperty("Path").GetString()!.LastIndexOf('/') + 1)..]))
                .ToList();
            var toS3 = gets.Where(g => g.Decision == "mirror:" + PullTestBed.S3).Select(g => image.BlobSizes[g.Digest]).ToList();
            var toUpstream = gets.Where(g => g.Decision == PullTestBed.Upstream).Select(g => image.BlobSizes[g.Digest]).ToList();
            Assert.NotEmpty(toS3);
            Assert.NotEmpty(toUpstream);

            Assert.Equal(toS3.Sum(), Delta(before, after, EgressMetrics.RedirectedBytesName, "mirror", PullTestBed.S3));
            Assert.Equal(0, Delta(before, after, EgressMetrics.UnknownSizeName, "mirror", PullTestBed.S3));

            // The upstream was never asked a HEAD for the layer s3 lacks: its size is known only if another mirror's
            // answer gave it (the static mirror holds it, and an earlier pull may have asked it); else it is counted
            // as a redirect of unknown size, never guessed.
            var upstreamBytes = Delta(before, after, EgressMetrics.RedirectedBytesName, "upstream", "default");
            var unknown = Delta(before, after, EgressMetrics.UnknownSizeName, "upstream", "default");
            if (upstreamBytes == 0)
            {
                Assert.Equal(toUpstream.Count, unknown);
            }
            else
            {
                Assert.True(unknown < toUpstream.Count && upstreamBytes <= toUpstream.Sum(), $"{upstreamBytes} B and {unknown} unknown for {toUpstream.Count} redirects");
            }

            return $"s3: {toS3.Count} blobs, {toS3.Sum()} B counted; upstream: {toUpstream.Count} blob(s), {unknown} of unknown size";
        }, cleanup: () => bed.Client(PullClients.Skopeo).ResetAsync());
    }

    private static double Delta(PrometheusText before, PrometheusText after, string name, string kind, string target)
        => (after.Value(name, ("kind", kind), ("target", target)) ?? 0) - (before.Value(name, ("kind", kind), ("target", target)) ?? 0);
}
