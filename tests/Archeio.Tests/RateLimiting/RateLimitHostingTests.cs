using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.RateLimiting;

/// <summary>
/// The HTTP surface of rate limits in the test host: a client over its limit gets a 429 with <c>Retry-After</c> and the
/// OCI error <c>TOOMANYREQUESTS</c> for every kind of request (HEAD without a body), other clients and exempt ones are
/// served, and the metric counts it; an upstream at its <c>MaxRequestsPerMinute</c> sends tag requests to the next, and
/// with none left they get the 429.
/// </summary>
public sealed class RateLimitHostingTests
{
    private const int MetricsPort = 19_981;

    private static readonly string Blob = "/v2/pause/blobs/sha256:" + new string('b', 64);

    [Fact]
    public async Task A_client_over_its_limit_gets_429_with_retry_after_and_the_oci_error_for_every_request_kind()
    {
        await using var factory = Factory(new()
        {
            ["Archeio__RateLimits__0__Name"] = "per-client",
            ["Archeio__RateLimits__0__PermitsPerMinute"] = "6",
            ["Archeio__RateLimits__0__Burst"] = "2",
        });
        var client = IPAddress.Parse("198.51.100.7");

        Assert.Equal(200, (await factory.SendRawAsync("GET", "/v2/", client)).Response.StatusCode);
        Assert.Equal(307, (await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", client)).Response.StatusCode);
        foreach (var target in new[] { "/v2/pause/manifests/3.10", Blob, "/v2/pause/tags/list", "/v2/", "/", "/v2/_catalog" })
        {
            var refused = (await factory.SendRawAsync("GET", target, client)).Response;
            Assert.Equal(429, refused.StatusCode);
            // 6 a minute: a token every 10 s.
            Assert.Equal("10", refused.Headers.RetryAfter.ToString());
            Assert.Equal("application/json", refused.ContentType);
            var error = JsonDocument.Parse(await BodyAsync(refused)).RootElement.GetProperty("errors")[0];
            Assert.Equal("TOOMANYREQUESTS", error.GetProperty("code").GetString());
            Assert.Contains("'per-client' (6 a minute per client address)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var head = (await factory.SendRawAsync("HEAD", "/v2/pause/manifests/3.10", client)).Response;
        Assert.Equal(429, head.StatusCode);
        Assert.Equal("10", head.Headers.RetryAfter.ToString());
        Assert.Equal(0, (await BodyAsync(head)).Length);
        Assert.True(head.ContentLength > 0);

        // Another client has its own bucket; a refused method is answered before any limit.
        Assert.Equal(307, (await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", IPAddress.Parse("198.51.100.8"))).Response.StatusCode);
        Assert.Equal(405, (await factory.SendRawAsync("POST", "/v2/pause/manifests/3.10", client)).Response.StatusCode);

        var metrics = await MetricsAsync(factory);
        Assert.Equal(7, metrics.Value("archeio_rate_limited_requests_total", ("limit", "per-client")));
        Assert.Equal(1, metrics.Value("archeio_requests_total", ("kind", "manifest"), ("method", "HEAD"), ("status", "429"), ("decision", "rate-limited:per-client")));
    }

    [Fact]
    public async Task Exempt_networks_and_clients_no_limit_fits_are_never_limited()
    {
        await using var factory = Factory(new()
        {
            ["Archeio__RateLimits__0__Match__Networks__0"] = "198.51.100.0/24",
            ["Archeio__RateLimits__0__PartitionBy"] = "Network",
            ["Archeio__RateLimits__0__PermitsPerMinute"] = "1",
            ["Archeio__RateLimitExempt__Networks__0"] = "198.51.100.128/25",
        });

        Assert.Equal(307, await StatusAsync(factory, "198.51.100.1"));
        // The /24 is one partition: its second client is over the limit too.
        Assert.Equal(429, await StatusAsync(factory, "198.51.100.2"));
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(307, await StatusAsync(factory, "198.51.100.200"));
            Assert.Equal(307, await StatusAsync(factory, "203.0.113.1"));
        }
    }

    [Fact]
    public async Task The_limit_counts_the_client_x_forwarded_for_names_not_the_load_balancer()
    {
        await using var factory = Factory(new()
        {
            ["Archeio__RateLimits__0__PermitsPerMinute"] = "1",
        });
        var balancer = IPAddress.Parse("10.0.0.1");

        for (var i = 1; i <= 3; i++)
        {
            var context = await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", balancer, ("X-Forwarded-For", $"198.51.100.{i}, 10.0.0.1"));
            Assert.Equal(307, context.Response.StatusCode);
        }

        var again = await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", balancer, ("X-Forwarded-For", "198.51.100.1, 10.0.0.1"));
        Assert.Equal(429, again.Response.StatusCode);
    }

    [Fact]
    public async Task An_upstream_at_its_quota_sends_tag_requests_to_the_next_and_none_left_is_a_429()
    {
        await using var factory = Factory(new()
        {
            ["Archeio__Upstream__MaxRequestsPerMinute"] = "2",
            ["Archeio__Upstreams__0__Name"] = "second",
            ["Archeio__Upstreams__0__Endpoint"] = "https://second.example",
            ["Archeio__Upstreams__0__MaxRequestsPerMinute"] = "1",
            ["Archeio__UpstreamFailover__0"] = "default",
            ["Archeio__UpstreamFailover__1"] = "second",
        });

        var locations = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            var context = await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", IPAddress.Parse("198.51.100." + (i + 1).ToString(CultureInfo.InvariantCulture)));
            Assert.Equal(307, context.Response.StatusCode);
            locations.Add(context.Response.Headers.Location);
        }

        Assert.All(locations[..2], l => Assert.DoesNotContain("second.example", l, StringComparison.Ordinal));
        Assert.StartsWith("https://second.example/v2/pause/manifests/3.10", locations[2], StringComparison.Ordinal);

        var refused = (await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", IPAddress.Parse("198.51.100.9"))).Response;
        Assert.Equal(429, refused.StatusCode);
        Assert.InRange(int.Parse(refused.Headers.RetryAfter.ToString(), CultureInfo.InvariantCulture), 1, 60);
        Assert.Equal("TOOMANYREQUESTS", JsonDocument.Parse(await BodyAsync(refused)).RootElement.GetProperty("errors")[0].GetProperty("code").GetString());
        Assert.Equal(1, (await MetricsAsync(factory)).Value("archeio_rate_limited_requests_total", ("limit", "upstream:default")));
    }

    private static ArcheioFactory Factory(Dictionary<string, string> settings)
    {
        var environment = new Hashtable { ["Archeio__Metrics__Port"] = MetricsPort.ToString(CultureInfo.InvariantCulture) };
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return new ArcheioFactory(null, environment);
    }

    private static async Task<int> StatusAsync(ArcheioFactory factory, string client)
        => (await factory.SendRawAsync("GET", "/v2/pause/manifests/3.10", IPAddress.Parse(client))).Response.StatusCode;

    private static async Task<PrometheusText> MetricsAsync(ArcheioFactory factory)
        => PrometheusText.Parse(await BodyAsync((await factory.SendToPortAsync(MetricsPort, "GET", "/metrics")).Response));

    private static async Task<string> BodyAsync(HttpResponse response)
    {
        using var reader = new StreamReader(response.Body);
        return await reader.ReadToEndAsync();
    }
}
