using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Security;

/// <summary>
/// What the fault tests (issue 9, property 4) share: a configuration with named mirrors, one timed blob request
/// against the real process, its access-log entry, and the HEAD counts from the operations port's metrics.
/// </summary>
internal static class FaultBed
{
    public const string Upstream = "https://upstream.example";

    /// <summary>The blob-check budget the tests run with: small, so that "within budget" is a tight claim.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(1);

    /// <summary>What a loaded 2-core machine may add to a request on the client's side of the socket.</summary>
    public static readonly TimeSpan ClientSlack = TimeSpan.FromSeconds(2.5);

    /// <summary>
    /// What the server may spend past the budget by its own measure (the access log's DurationMs): the timer's firing
    /// and the fall-through on a loaded machine. A mirror held for 30 s would exceed it by far.
    /// </summary>
    public static readonly TimeSpan ServerSlack = TimeSpan.FromMilliseconds(500);

    /// <summary>The digest <see cref="WarmUpAsync"/> asks for: held by no mirror the tests start.</summary>
    public const string WarmUpDigest = "sha256:00000000000000000000000000000000000000000000000000000000000094ff";

    /// <summary>A config whose one rule fits everyone and checks <paramref name="mirrors"/> (name, BlobUrl) in order.</summary>
    public static TempConfig Config(IReadOnlyList<(string Name, string BlobUrl)> mirrors, JsonObject blobCheck)
    {
        blobCheck["Timeout"] ??= Budget.ToString("c", CultureInfo.InvariantCulture);
        return new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = Upstream },
            ["Mirrors"] = new JsonArray([.. mirrors.Select(m => (JsonNode)new JsonObject { ["Name"] = m.Name, ["BlobUrl"] = m.BlobUrl })]),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray([.. mirrors.Select(m => (JsonNode)m.Name)]) }),
            ["BlobCheck"] = blobCheck,
        });
    }

    public static string UpstreamBlob(string digest) => Upstream + "/v2/pause/blobs/" + digest;

    public static HttpClient Client() => new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// <c>GET /v2/pause/blobs/&lt;digest&gt;</c>, one request at a time: asserts a 307 answered within the budget (client
    /// side, with slack) and returns its Location and the server's own duration and decision from the access log.
    /// </summary>
    public static async Task<FaultBlobAnswer> GetBlobAsync(HttpClient http, ServerProcess server, string digest)
    {
        var mark = server.StandardOutput.Count;
        var location = await SendBlobAsync(http, server, digest);
        var (decision, durationMs) = (await AccessEntriesAsync(server, mark, 1))[0];
        Assert.InRange(durationMs, 0, (Budget + ServerSlack).TotalMilliseconds);
        return new FaultBlobAnswer(location, decision, durationMs);
    }

    /// <summary>
    /// <c>GET /v2/pause/blobs/&lt;digest&gt;</c>, safe to run concurrently: asserts a 307 answered within the budget
    /// (client side, with slack) and returns its Location. Read the server's side with <see cref="AccessEntriesAsync"/>.
    /// </summary>
    public static async Task<string> SendBlobAsync(HttpClient http, ServerProcess server, string digest)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/blobs/" + digest));
        var elapsed = watch.Elapsed;
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.True(elapsed < Budget + ClientSlack, $"answered in {elapsed}, budget {Budget}");
        return response.Headers.Location?.OriginalString ?? string.Empty;
    }

    /// <summary>
    /// One blob request before the measured ones, untimed: the process's first HEAD pays for compiling the HTTP
    /// client's code path, which is start-up cost, not a fault's. Mirrors see one HEAD for <see cref="WarmUpDigest"/>.
    /// </summary>
    public static async Task WarmUpAsync(HttpClient http, ServerProcess server)
    {
        using var response = await http.GetAsync(new Uri(server.BaseAddress, "/v2/pause/blobs/" + WarmUpDigest));
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
    }

    /// <summary>The first <paramref name="count"/> access-log entries after <paramref name="mark"/> (decision, duration), waited for boundedly.</summary>
    public static async Task<IReadOnlyList<(string Decision, double DurationMs)>> AccessEntriesAsync(ServerProcess server, int mark, int count)
    {
        List<(string, double)> found = [];
        await Eventually.TrueAsync(
            () =>
            {
                found = [.. server.StandardOutput.Skip(mark)
                    .Where(line => line.StartsWith('{'))
                    .Select(line => JsonDocument.Parse(line).RootElement)
                    .Where(e => e.GetProperty("EventId").GetInt32() == 1)
                    .Select(e => e.GetProperty("State"))
                    .Select(state => (state.GetProperty("Decision").GetString()!, state.GetProperty("DurationMs").GetDouble()))
                    .Take(count)];
                return found.Count == count;
            },
            $"{count} access-log lines");
        return found;
    }

    /// <summary><c>archeio_blob_check_heads_total</c> of one mirror, by outcome (present, absent, error, timeout).</summary>
    public static async Task<IReadOnlyDictionary<string, double>> HeadsAsync(HttpClient http, ServerProcess server, string mirror)
    {
        var metrics = await PrometheusText.ScrapeAsync(http, server.MetricsAddress);
        return metrics.Series("archeio_blob_check_heads_total")
            .Where(s => s.Labels.TryGetValue("mirror", out var m) && m == mirror)
            .GroupBy(s => s.Labels["outcome"])
            .ToDictionary(g => g.Key, g => g.Sum(s => s.Value), StringComparer.Ordinal);
    }

    /// <summary>Waits until <paramref name="mirror"/> has sent <paramref name="count"/> HEADs in all (a HEAD outlives the request that started it).</summary>
    public static async Task<IReadOnlyDictionary<string, double>> WaitForHeadsAsync(HttpClient http, ServerProcess server, string mirror, int count)
    {
        IReadOnlyDictionary<string, double> heads = new Dictionary<string, double>();
        await Eventually.TrueAsync(
            async () =>
            {
                heads = await HeadsAsync(http, server, mirror);
                return heads.Values.Sum() >= count;
            },
            $"{count} HEADs to {mirror} counted");
        Assert.Equal(count, heads.Values.Sum());
        return heads;
    }
}
