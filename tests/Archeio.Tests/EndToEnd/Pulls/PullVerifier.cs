using Archeio.TestBed;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Checks, from the backends' access logs, that every blob of a pull came from the backend the routing
/// promised and that manifests came from the upstream only.
/// </summary>
internal static class PullVerifier
{
    private static readonly TimeSpan LogWait = TimeSpan.FromSeconds(15);

    /// <summary>The platform manifests a client fetches by digest: every platform's for skopeo --all, the host's otherwise; none for a single image.</summary>
    public static IReadOnlyList<string> ChildManifestsFetchedBy(string client, BuiltImage image)
        => !image.IsIndex ? [] : PullClients.PullsAllPlatforms(client) ? image.ChildManifestDigests : [image.Platforms["linux/amd64"].ManifestDigest];

    /// <summary>The blobs a client fetches for an image: all platforms for skopeo --all, the host's otherwise.</summary>
    public static IReadOnlyList<string> BlobsFetchedBy(string client, BuiltImage image)
    {
        if (PullClients.PullsAllPlatforms(client) || image.Platforms.Count == 1)
        {
            return image.BlobDigests;
        }

        var host = image.Platforms["linux/amd64"];
        return [host.ConfigDigest, .. host.LayerDigests];
    }

    /// <summary>Returns a summary such as <c>s3:3 upstream:1</c>; throws with the evidence when a blob came from the wrong place.</summary>
    public static async Task<string> VerifyAsync(
        PullTestBed bed,
        ClientLocation location,
        string repository,
        IReadOnlyList<string> blobs,
        IReadOnlyDictionary<AccessLog, int> marks,
        string manifestsFrom = PullTestBed.Upstream,
        IReadOnlyList<string>? manifestsByDigest = null)
    {
        var logs = bed.BackendLogs.ToDictionary(log => log.Backend);
        // The platform manifests the client fetches by digest came from where the routing promised them.
        foreach (var group in (manifestsByDigest ?? []).GroupBy(d => bed.ExpectedManifestBackend(location, d, manifestsFrom)))
        {
            var log = logs[group.Key];
            var wanted = group.ToHashSet(StringComparer.Ordinal);
            await AccessLogWaiter.WaitForAsync(
                log,
                marks[log],
                entries => wanted.IsSubsetOf(entries.Where(e => e.Method == "GET" && e.Status is >= 200 and < 300 && e.Path.Contains("/manifests/", StringComparison.Ordinal)).Select(DigestOf)),
                LogWait);
        }

        foreach (var group in blobs.GroupBy(d => bed.ExpectedBackend(location, d)))
        {
            var log = logs[group.Key];
            var wanted = group.ToHashSet(StringComparer.Ordinal);
            await AccessLogWaiter.WaitForAsync(
                log,
                marks[log],
                entries => wanted.IsSubsetOf(entries.Where(IsSuccessfulBlobGet).Select(DigestOf)),
                LogWait,
                log == bed.Nginx.StaticLog ? bed.Nginx.Refresh : null);
        }

        bed.Nginx.Refresh();
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var manifestCounts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var log in bed.BackendLogs)
        {
            var since = log.Since(marks[log]);
            // The probes' GETs of their own object are not the pull's.
            foreach (var entry in since.Where(e => IsBlobGet(e) && DigestOf(e) != bed.ProbeDigest))
            {
                var digest = DigestOf(entry);
                var expected = bed.ExpectedBackend(location, digest);
                Assert.True(
                    expected == log.Backend,
                    $"{location.Name}: blob {digest} was fetched from {log.Backend}, but the routing promised {expected}\n{AccessLogWaiter.Describe(since)}");
                counts[log.Backend] = counts.GetValueOrDefault(log.Backend) + 1;
            }

            // Manifest GETs: by tag only from manifestsFrom; by digest from where the routing promised (a mirror that
            // holds manifests, else manifestsFrom). HEADs are Archeio's own checks or clients' and say nothing.
            foreach (var entry in since.Where(e => e.Method == "GET" && e.Path.Contains("/manifests/", StringComparison.Ordinal)))
            {
                var reference = DigestOf(entry);
                var expected = reference.Contains(':', StringComparison.Ordinal) ? bed.ExpectedManifestBackend(location, reference, manifestsFrom) : manifestsFrom;
                Assert.True(
                    expected == log.Backend,
                    $"{location.Name}: manifest {reference} was fetched from {log.Backend}, but the routing promised {expected}\n{AccessLogWaiter.Describe(since)}");
                if (log.Backend != manifestsFrom)
                {
                    manifestCounts[log.Backend] = manifestCounts.GetValueOrDefault(log.Backend) + 1;
                }
            }

            if (log.Backend == manifestsFrom)
            {
                Assert.Contains(since, e => e.Path.StartsWith("/v2/" + PullTestBed.UpstreamPath + "/" + repository + "/manifests/", StringComparison.Ordinal));
            }
        }

        var summary = string.Join(' ', counts.Select(c => $"{c.Key}:{c.Value}"));
        return manifestCounts.Count == 0 ? summary : summary + "; manifests by digest " + string.Join(' ', manifestCounts.Select(c => $"{c.Key}:{c.Value}"));
    }

    private static bool IsBlobGet(AccessLogEntry entry)
        => entry.Method == "GET" && (entry.Path.Contains("/blobs/", StringComparison.Ordinal) || entry.Path.Contains("/containers/images/", StringComparison.Ordinal));

    private static bool IsSuccessfulBlobGet(AccessLogEntry entry) => IsBlobGet(entry) && entry.Status is >= 200 and < 300;

    private static string DigestOf(AccessLogEntry entry) => Uri.UnescapeDataString(entry.Path[(entry.Path.LastIndexOf('/') + 1)..]);
}
