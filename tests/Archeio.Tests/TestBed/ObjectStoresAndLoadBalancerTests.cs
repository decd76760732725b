using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Archeio.Tests.TestBed;

/// <summary>Smoke tests of the bed's object stores (s3rver, nginx static) and load balancer (nginx proxy).</summary>
public sealed class ObjectStoresAndLoadBalancerTests : IDisposable
{
    private static readonly TimeSpan LogTimeout = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task S3rver_serves_seeded_objects_to_anonymous_clients_and_logs_each_request()
    {
        await using var s3 = await S3rverProcess.StartAsync("archeio-blobs");
        var (content, key) = Blob(1000);
        await s3.PutAsync(key, content);
        var (streamed, streamedKey) = Blob(70_000);
        await using (var stream = new MemoryStream(streamed))
        {
            await s3.PutAsync(streamedKey, stream);
        }

        var missing = "containers/images/sha256:" + new string('0', 64);
        var mark = s3.AccessLog.Mark();

        using (var get = await _http.GetAsync(s3.ObjectUri(key)))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
        }

        using (var head = await SendAsync(HttpMethod.Head, s3.ObjectUri(streamedKey)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(streamed.Length, head.Content.Headers.ContentLength);
        }

        using (var range = await SendAsync(HttpMethod.Get, s3.ObjectUri(key), new RangeHeaderValue(10, 19)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal(content[10..20], await range.Content.ReadAsByteArrayAsync());
        }

        using (var getMissing = await _http.GetAsync(s3.ObjectUri(missing)))
        {
            Assert.Equal(HttpStatusCode.NotFound, getMissing.StatusCode);
        }

        using (var headMissing = await SendAsync(HttpMethod.Head, s3.ObjectUri(missing)))
        {
            Assert.Equal(HttpStatusCode.NotFound, headMissing.StatusCode);
        }

        // The bucket URL is path-style and the ':' of the key reaches the log as sent.
        Assert.Equal($"http://127.0.0.1:{s3.Port}/archeio-blobs", s3.BucketUrl);
        var entries = await s3.WaitForAsync(mark, e => e.Count >= 5, LogTimeout);
        Assert.Equal(
            [
                new AccessLogEntry("s3", "GET", "/archeio-blobs/" + key, 200),
                new AccessLogEntry("s3", "HEAD", "/archeio-blobs/" + streamedKey, 200),
                new AccessLogEntry("s3", "GET", "/archeio-blobs/" + key, 206),
                new AccessLogEntry("s3", "GET", "/archeio-blobs/" + missing, 404),
                new AccessLogEntry("s3", "HEAD", "/archeio-blobs/" + missing, 404),
            ],
            entries);
    }

    [Fact]
    public void S3rver_log_lines_are_parsed_with_colours_and_query_strings()
    {
        Assert.True(S3rverProcess.TryParseLogLine(
            "\u001b[32minfo\u001b[39m: \u001b[1mHEAD\u001b[22m \u001b[90m/b/containers/images/sha256:ab?x=1\u001b[39m \u001b[33m404\u001b[39m \u001b[90m2ms\u001b[39m \u001b[90m-\u001b[39m",
            out var method,
            out var path,
            out var status));
        Assert.Equal(("HEAD", "/b/containers/images/sha256:ab?x=1", 404), (method, path, status));
        Assert.False(S3rverProcess.TryParseLogLine("info: Stored object \"k\" in bucket \"b\" successfully", out _, out _, out _));
    }

    [Fact]
    public async Task Nginx_static_bucket_serves_files_and_ranges_and_logs_each_request()
    {
        using var root = new TempDirectory("static-root");
        var (content, key) = Blob(5000);
        Directory.CreateDirectory(root.Combine("containers", "images"));
        await File.WriteAllBytesAsync(root.Combine(key.Split('/')), content);
        await using var nginx = await NginxProcess.StartAsync(new NginxOptions { StaticRoot = root.Path });
        var url = nginx.StaticBaseUrl + "/" + key;
        var missing = nginx.StaticBaseUrl + "/containers/images/sha256:" + new string('0', 64);
        var mark = nginx.StaticLog.Mark();

        using (var get = await _http.GetAsync(url))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(content, await get.Content.ReadAsByteArrayAsync());
        }

        using (var head = await SendAsync(HttpMethod.Head, new Uri(url)))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        }

        using (var range = await SendAsync(HttpMethod.Get, new Uri(url), new RangeHeaderValue(100, 199)))
        {
            Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
            Assert.Equal(content[100..200], await range.Content.ReadAsByteArrayAsync());
        }

        using (var getMissing = await _http.GetAsync(missing))
        {
            Assert.Equal(HttpStatusCode.NotFound, getMissing.StatusCode);
        }

        using (var headMissing = await SendAsync(HttpMethod.Head, new Uri(missing)))
        {
            Assert.Equal(HttpStatusCode.NotFound, headMissing.StatusCode);
        }

        var entries = await nginx.WaitForAsync(nginx.StaticLog, mark, e => e.Count >= 5, LogTimeout);
        Assert.Equal(
            [
                new AccessLogEntry("static", "GET", "/" + key, 200),
                new AccessLogEntry("static", "HEAD", "/" + key, 200),
                new AccessLogEntry("static", "GET", "/" + key, 206),
                new AccessLogEntry("static", "GET", new Uri(missing).AbsolutePath, 404),
                new AccessLogEntry("static", "HEAD", new Uri(missing).AbsolutePath, 404),
            ],
            entries);
        Assert.Empty(nginx.UnparsedLogLines);
    }

    [Fact]
    public async Task Load_balancers_add_client_and_balancer_to_X_Forwarded_For_and_pass_redirects_untouched()
    {
        var seen = new ConcurrentQueue<(string ForwardedFor, string Host, string Target)>();
        const string location = "http://127.0.0.1:9/archeio-blobs/containers/images/sha256:abc?X-Amz-Signature=a%2Bb&x=%3A";
        await using var echo = await StartEchoAsync(seen, location);
        var echoPort = new Uri(echo.BaseUrl).Port;
        await using var nginx = await NginxProcess.StartAsync(new NginxOptions
        {
            ArcheioPort = echoPort,
            LoadBalancers = [("paris", "35.180.1.1"), ("tokyo", "2001:db8::7")],
        });
        const string target = "/v2/library/pause/blobs/sha256:abc?ns=docker.io";
        var parisMark = nginx.LoadBalancerLogs["paris"].Mark();
        var tokyoMark = nginx.LoadBalancerLogs["tokyo"].Mark();

        using (var response = await _http.GetAsync(new Uri(nginx.LoadBalancerAddress("paris"), target)))
        {
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
            Assert.Equal(location, response.Headers.Location?.OriginalString);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Head, new Uri(nginx.LoadBalancerAddress("tokyo"), target)))
        {
            // A client's own X-Forwarded-For is kept in front, as Google's load balancer does.
            request.Headers.Add("X-Forwarded-For", "203.0.113.9");
            using var response = await _http.SendAsync(request);
            Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
            Assert.Equal(location, response.Headers.Location?.OriginalString);
        }

        Assert.Equal(
            [
                ("35.180.1.1, 127.0.0.1", $"127.0.0.1:{nginx.LoadBalancerPorts["paris"]}", target),
                ("203.0.113.9, 2001:db8::7, 127.0.0.1", $"127.0.0.1:{nginx.LoadBalancerPorts["tokyo"]}", target),
            ],
            seen);
        Assert.Equal(
            [new AccessLogEntry("paris", "GET", "/v2/library/pause/blobs/sha256:abc", 307)],
            await nginx.WaitForAsync(nginx.LoadBalancerLogs["paris"], parisMark, e => e.Count >= 1, LogTimeout));
        Assert.Equal(
            [new AccessLogEntry("tokyo", "HEAD", "/v2/library/pause/blobs/sha256:abc", 307)],
            await nginx.WaitForAsync(nginx.LoadBalancerLogs["tokyo"], tokyoMark, e => e.Count >= 1, LogTimeout));
    }

    [Fact]
    public async Task Nginx_start_failure_reports_the_error_log()
    {
        using var root = new TempDirectory("static-root");
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(
            () => NginxProcess.StartAsync(new NginxOptions { StaticRoot = root.Path, ExtraHttpDirectives = "no_such_directive on;" }));

        Assert.Contains("unknown directive \"no_such_directive\"", failure.Message, StringComparison.Ordinal);
    }

    private static (byte[] Content, string Key) Blob(int length)
    {
        var content = RandomNumberGenerator.GetBytes(length);
        return (content, "containers/images/sha256:" + Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, RangeHeaderValue? range = null)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Range = range;
        return await _http.SendAsync(request);
    }

    /// <summary>An upstream that records what the load balancer sent and answers 307 to <paramref name="location"/>.</summary>
    private static Task<LoopbackServer> StartEchoAsync(ConcurrentQueue<(string, string, string)> seen, string location)
        => LoopbackServer.StartAsync(context =>
        {
            seen.Enqueue((
                context.Request.Headers["X-Forwarded-For"].ToString(),
                context.Request.Headers.Host.ToString(),
                context.Features.GetRequiredFeature<IHttpRequestFeature>().RawTarget));
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        });
}
