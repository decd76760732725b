using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// Docker, podman and containerd pulling from the location under a rate limit (<see cref="PullTestBed.RateLimited"/>:
/// one request a second, a burst of one): each fails with Archeio's 429 and says so (a status of 429, Too Many
/// Requests, or the OCI code <c>toomanyrequests</c>), never "invalid character '&lt;'" as from an HTML error page.
/// While a client pulls, the test spends the client's tokens itself from the same address (the same load-balancer
/// port), so every request of the client meets the limit: containers/image (podman) honours <c>Retry-After</c> and
/// tries a request five times in all before it gives up, and would otherwise get through, slowly. What each client
/// printed is the row's detail (the bed's table) and docs/request-handling.md's.
/// </summary>
[Collection(PullBedDefinition.Name)]
public sealed class RateLimitPullTests(PullTestBed bed)
{
    public static TheoryData<string> Clients() => [PullClients.Docker, PullClients.Podman, PullClients.Containerd];

    [Theory]
    [MemberData(nameof(Clients))]
    public async Task A_client_over_its_rate_limit_fails_and_reports_the_rate_limit(string client)
    {
        var location = PullTestBed.RateLimited;
        await bed.RecordAsync("rate-limit", client, location.Name, "single", async () =>
        {
            var lb = "http://" + bed.LoadBalancer(location);
            using var stop = new CancellationTokenSource();
            // Two loops without pause: a token is taken within a moment of its coming, before a client that waited
            // out Retry-After (which names that very moment) asks again.
            var draining = Task.WhenAll(DrainAsync(lb, stop.Token), DrainAsync(lb, stop.Token));
            Exception refused;
            try
            {
                refused = await Assert.ThrowsAnyAsync<Exception>(
                    () => bed.Client(client).PullAsync($"{bed.LoadBalancer(location)}/{PullTestBed.Repository("single")}:{PullTestBed.Tag}", CancellationToken.None));
            }
            finally
            {
                await stop.CancelAsync();
                await draining;
            }

            var said = RateLimitLine(refused.Message);
            Assert.True(said is not null, "no line of the client's output names the rate limit:\n" + refused.Message);
            Assert.DoesNotContain("invalid character", refused.Message, StringComparison.Ordinal);
            await bed.Client(client).ResetAsync();
            return said!;
        });
    }

    /// <summary>The first line of a client's output that names the rate limit, trimmed of its time stamp and level.</summary>
    internal static string? RateLimitLine(string output)
        => output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l =>
            l.Contains("429", StringComparison.Ordinal) || l.Contains("toomanyrequests", StringComparison.OrdinalIgnoreCase)
            || l.Contains("too many requests", StringComparison.OrdinalIgnoreCase));

    /// <summary>Spends the location's tokens as they come (one a second), from the client's own address.</summary>
    private static async Task DrainAsync(string lb, CancellationToken stop)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var response = await http.GetAsync(lb + "/v2/", stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
