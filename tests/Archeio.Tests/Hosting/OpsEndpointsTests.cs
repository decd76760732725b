using System.Collections;
using Archeio.Configuration;
using Archeio.Hosting;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Hosting;

/// <summary>The operations endpoints in the test host: chosen by the request's local port, never on the public one.</summary>
public sealed class OpsEndpointsTests : IDisposable
{
    private const int MetricsPort = 19_999;
    private const int PublicPort = 8080;
    private readonly ArcheioFactory _factory = new(null, new Hashtable { ["Archeio__Metrics__Port"] = MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public void Dispose() => _factory.Dispose();

    [Theory]
    [InlineData(MetricsPort, "/healthz", 200)]
    [InlineData(MetricsPort, "/readyz", 200)]
    [InlineData(MetricsPort, "/metrics", 200)]
    [InlineData(MetricsPort, "/v2/", 404)]
    [InlineData(PublicPort, "/healthz", 404)]
    [InlineData(PublicPort, "/readyz", 404)]
    [InlineData(PublicPort, "/metrics", 404)]
    [InlineData(PublicPort, "/v2/", 200)]
    public async Task Paths_by_port(int port, string path, int status)
    {
        var context = await _factory.SendToPortAsync(port, "GET", path);

        Assert.Equal(status, context.Response.StatusCode);
    }

    [Fact]
    public async Task The_scrape_is_Prometheus_text_with_Archeio_series()
    {
        var context = await _factory.SendToPortAsync(MetricsPort, "GET", "/metrics");
        using var reader = new StreamReader(context.Response.Body);
        var text = await reader.ReadToEndAsync();

        Assert.StartsWith("text/plain", context.Response.ContentType, StringComparison.Ordinal);
        Assert.Contains("# TYPE archeio_ready gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE archeio_blob_cache_entries gauge", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(nameof(LogFormat.Json), false, "json")]
    [InlineData(nameof(LogFormat.Json), true, "json")]
    [InlineData(nameof(LogFormat.Plain), false, "simple")]
    [InlineData(nameof(LogFormat.Plain), true, "simple")]
    [InlineData(nameof(LogFormat.Auto), false, "simple")]
    [InlineData(nameof(LogFormat.Auto), true, "json")]
    public void Log_format_chooses_the_console_formatter(string format, bool outputRedirected, string formatter)
        => Assert.Equal(formatter, ArcheioHost.FormatterFor(Enum.Parse<LogFormat>(format), outputRedirected));

    [Fact]
    public async Task HEAD_probes_get_no_body()
    {
        var context = await _factory.SendToPortAsync(MetricsPort, HttpMethods.Head, "/healthz");

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(3, context.Response.ContentLength);
    }
}
