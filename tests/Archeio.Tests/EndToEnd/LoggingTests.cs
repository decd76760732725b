using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>
/// <c>Logging:Format</c>, <c>Logging:AccessSampleRate</c> and <c>Logging:RedactClientIp</c> in the real process: each
/// run sends its requests, then stops the server with SIGTERM and reads its whole output once it has exited.
/// </summary>
public sealed class LoggingTests
{
    // A documentation address (RFC 5737), distinctive enough to be searched for in every line.
    private const string ClientIp = "198.51.100.73";

    [Theory]
    [InlineData("json", true)]
    [InlineData("plain", false)]
    // The tests read the output through a pipe: auto means JSON there.
    [InlineData("auto", true)]
    public async Task Format_chooses_JSON_or_plain_lines(string format, bool json)
    {
        var output = await RunAsync(new() { ["Archeio__Logging__Format"] = format }, requests: 2);

        Assert.NotEmpty(output.Lines);
        Assert.All(output.Lines, line => Assert.Equal(json, IsJson(line)));
        Assert.Equal(2, output.Lines.Count(line => line.Contains("decision=upstream", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("0", 4, 0)]
    [InlineData("0.5", 4, 2)]
    [InlineData("0.25", 8, 2)]
    [InlineData("1", 4, 4)]
    public async Task AccessSampleRate_logs_that_share_of_requests_and_metrics_count_them_all(string rate, int requests, int lines)
    {
        var output = await RunAsync(new() { ["Archeio__Logging__AccessSampleRate"] = rate }, requests);

        Assert.Equal(lines, output.Lines.Count(line => JsonDocument.Parse(line).RootElement.GetProperty("EventId").GetInt32() == 1));
        Assert.Equal(requests, output.Metrics.Sum("archeio_requests_total"));
    }

    [Fact]
    public async Task RedactClientIp_keeps_the_client_address_out_of_every_line()
    {
        var output = await RunAsync(new() { ["Archeio__Logging__RedactClientIp"] = "true" }, requests: 2);

        Assert.DoesNotContain(output.Lines.Concat(output.Errors), line => line.Contains(ClientIp, StringComparison.Ordinal));
        var access = output.Lines.Select(line => JsonDocument.Parse(line).RootElement)
            .Where(e => e.GetProperty("EventId").GetInt32() == 1).ToList();
        Assert.Equal(2, access.Count);
        Assert.All(access, e => Assert.Equal("redacted", e.GetProperty("State").GetProperty("ClientIp").GetString()));
        Assert.Equal(2, output.Metrics.Sum("archeio_requests_total"));
    }

    [Fact]
    public async Task Without_RedactClientIp_the_access_log_names_the_client()
    {
        var output = await RunAsync([], requests: 1);

        Assert.Contains(output.Lines, line => line.Contains("\"ClientIp\":\"" + ClientIp + "\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_line_reaches_standard_output_whole_and_before_the_process_exits()
    {
        var output = await RunAsync([], requests: 300);

        // One writer for the access log and the other entries: each line whole, none lost at exit, none dropped.
        Assert.All(output.Lines, line => Assert.True(IsJson(line), line));
        Assert.Equal(300, output.Lines.Count(line => JsonDocument.Parse(line).RootElement.GetProperty("EventId").GetInt32() == 1));
        // The host's entry of the shutdown, written after SIGTERM, is there: the writer emptied its queue at exit.
        Assert.Contains(output.Lines, line => line.Contains("\"Message\":\"Application is shutting down...\"", StringComparison.Ordinal));
        Assert.Equal(0, output.Metrics.Value("archeio_log_lines_dropped_total"));
    }

    private static bool IsJson(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<(IReadOnlyList<string> Lines, IReadOnlyList<string> Errors, PrometheusText Metrics)> RunAsync(Dictionary<string, string> environment, int requests)
    {
        environment["Archeio__Shutdown__Drain"] = "00:00:00";
        await using var server = await LifecycleTests.StartAsync(new JsonObject(), environment);
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        for (var i = 0; i < requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "/v2/pause/manifests/latest"));
            request.Headers.Add("X-Forwarded-For", ClientIp + ", 127.0.0.1");
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        }

        var metrics = await PrometheusText.ScrapeAsync(http, server.MetricsAddress);
        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        return ([.. server.StandardOutput], server.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries), metrics);
    }
}
