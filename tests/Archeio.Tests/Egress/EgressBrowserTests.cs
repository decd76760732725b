using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Archeio.TestBed;
using Archeio.Tests.Support;

namespace Archeio.Tests.Egress;

/// <summary>
/// The egress page in a real browser, served by the real server process: Debian's headless Chromium (which asks for
/// <c>text/html</c> first) renders it, and the DOM it built must show the visitor's own address, the rule that fits it
/// and the hosts to allow; a screenshot must be a real PNG. Set <c>ARCHEIO_EGRESS_SCREENSHOT</c> to a path to keep the
/// screenshot (docs/images/egress.png was made so).
/// </summary>
public sealed partial class EgressBrowserTests : IAsyncLifetime, IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly TempConfig _config = new(EgressShowcase.Archeio());
    private readonly HeadlessChromium _chromium = new();
    private ServerProcess _server = null!;

    public async Task InitializeAsync()
    {
        // The failover list is probed: the probes go to a proxy that refuses, so they stay on loopback (and fail,
        // which changes no host in the list).
        var refusing = "http://127.0.0.1:" + LoopbackPorts.Free();
        _server = await ServerProcess.StartAsync(
            new Dictionary<string, string> { ["HTTPS_PROXY"] = refusing, ["HTTP_PROXY"] = refusing, ["NO_PROXY"] = "" },
            "--config", _config.Path);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose()
    {
        _chromium.Dispose();
        _config.Dispose();
    }

    [Fact]
    public async Task The_rendered_page_shows_the_visitor_its_rule_and_the_hosts_to_allow()
    {
        var dom = await _chromium.DumpDomAsync(new Uri(_server.BaseAddress, "/egress"));

        Assert.Contains("<dd id=\"address\" class=\"host\">127.0.0.1</dd>", dom, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"rule\">Rule 3: Match Networks=192.168.0.0/16,127.0.0.0/8</dd>", dom, StringComparison.Ordinal);
        Assert.Contains("10% of clients try aws-eu-west-3 first", dom, StringComparison.Ordinal);
        var allow = Regex.Match(dom, "<table id=\"allow\">.*?</table>", RegexOptions.Singleline).Value;
        // Archeio as the browser reached it first, then the rule's hosts, sorted.
        Assert.Equal(
            [$"127.0.0.1:{_server.Port}", "europe-west1-docker.pkg.dev:443", EgressShowcase.Central, EgressShowcase.Paris, "storage.googleapis.com:443", "us-central1-docker.pkg.dev:443"],
            HostCell().Matches(allow).Select(m => m.Groups[1].Value));
        Assert.Contains("<table id=\"rules\">", dom, StringComparison.Ordinal);
        Assert.Contains("none besides Archeio", dom, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_screenshot_of_the_page_is_a_PNG_of_the_window_s_size()
    {
        var file = Path.Combine(Path.GetTempPath(), $"archeio-egress-{Guid.NewGuid():N}.png");
        try
        {
            await _chromium.ScreenshotAsync(new Uri(_server.BaseAddress, "/egress"), file, 1100, 1400);

            var png = await File.ReadAllBytesAsync(file);
            Assert.True(png.AsSpan().StartsWith(PngSignature), "not a PNG");
            // The IHDR chunk comes first: width and height, big-endian, after its length and type.
            Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
            Assert.Equal(1100, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
            Assert.Equal(1400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
            // A blank or failed page compresses to a few kilobytes; the rendered tables do not.
            Assert.True(png.Length > 40_000, $"the PNG is {png.Length} bytes: a blank page?");
            if (Environment.GetEnvironmentVariable("ARCHEIO_EGRESS_SCREENSHOT") is { Length: > 0 } keep)
            {
                File.Copy(file, keep, overwrite: true);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [GeneratedRegex("<td class=\"host\">([^<]*)</td>")]
    private static partial Regex HostCell();
}
