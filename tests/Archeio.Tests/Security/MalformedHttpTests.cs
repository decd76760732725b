using System.Text;
using Archeio.TestBed;

namespace Archeio.Tests.Security;

/// <summary>
/// Issue 9, property 2 against the real process: a corpus of malformed HTTP/1.x written byte for byte on a fresh
/// connection. Each must get a 2xx, 3xx or 4xx answer or a closed connection, never a 5xx, never silence beyond the
/// header timeout; afterwards the server still answers <c>GET /v2/</c> and has logged no error. Pipelined requests
/// are each answered, in order.
/// </summary>
public sealed class MalformedHttpTests(OpenRedirectServerFixture fixture) : IClassFixture<OpenRedirectServerFixture>
{
    private const string Blob = "/v2/pause/blobs/" + Digests.Pause;
    private const string Host = "Host: registry.example\r\n";
    private static readonly TimeSpan AnswerLimit = TimeSpan.FromSeconds(15);

    private static readonly Dictionary<string, byte[]> Corpus = BuildCorpus();

    public static TheoryData<string> Shapes => [.. Corpus.Keys];

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_malformed_request_gets_a_4xx_or_less_or_a_close_and_the_server_keeps_serving(string shape)
    {
        var (status, location, closed) = await SendAsync(Corpus[shape]);

        // 505 is Kestrel's own answer to an HTTP version it does not speak (RFC 9110 §15.6.6), before Archeio sees
        // the request: the one 5xx allowed, and only for those shapes.
        var allowed = status is null or (>= 200 and < 500) || (status == 505 && shape.StartsWith("version ", StringComparison.Ordinal));
        Assert.True(allowed, $"{shape}: status {status}");
        Assert.True(status is not null || closed, $"{shape}: neither an answer nor a close");
        if (status is >= 300 and < 400)
        {
            Assert.Null(fixture.Oracle.Check(status.Value, location));
        }

        await fixture.AssertServingAsync();
    }

    [Fact]
    public async Task Pipelined_requests_in_one_write_are_each_answered_in_order()
    {
        var requests = new[] { ("GET", "/v2/"), ("GET", "/"), ("HEAD", Blob), ("GET", "/v2/pause/manifests/latest"), ("GET", "/v2/_catalog"), ("POST", "/v2/"), ("GET", "/privacy") };
        var bytes = Encoding.ASCII.GetBytes(string.Concat(requests.Select(r => $"{r.Item1} {r.Item2} HTTP/1.1\r\n{Host}X-Forwarded-For: 35.180.1.1, 130.211.0.1\r\n\r\n")));
        using var connection = await RawHttpConnection.OpenAsync(fixture.Server.Port);
        using var timeout = new CancellationTokenSource(AnswerLimit);
        await connection.WriteAsync(bytes, timeout.Token);

        var statuses = new List<int?>();
        var locations = new List<string?>();
        foreach (var (method, _) in requests)
        {
            var response = await connection.ReadResponseAsync(method == "HEAD", timeout.Token);
            statuses.Add(response?.Status);
            locations.Add(response?.Header("Location"));
        }

        Assert.Equal([200, 307, 307, 307, 404, 405, 307], statuses);
        Assert.Equal(OpenRedirectConfig.InfoUrl, locations[1]);
        Assert.EndsWith("/containers/images/" + Digests.Pause, locations[2], StringComparison.Ordinal);
        Assert.Equal("https://upstream.example/base/v2/project/images/pause/manifests/latest", locations[3]);
        Assert.Equal(OpenRedirectConfig.PrivacyUrl, locations[6]);
        await fixture.AssertServingAsync();
    }

    [Fact]
    public async Task A_malformed_request_inside_a_pipeline_ends_it_after_the_answers_before_it()
    {
        var bytes = Encoding.ASCII.GetBytes($"GET /v2/ HTTP/1.1\r\n{Host}\r\nGET / HTTP/1.1\r\n{Host}\r\nGET /v2/\0 HTTP/1.1\r\n{Host}\r\nGET /v2/ HTTP/1.1\r\n{Host}\r\n");
        using var connection = await RawHttpConnection.OpenAsync(fixture.Server.Port);
        using var timeout = new CancellationTokenSource(AnswerLimit);
        await connection.WriteAsync(bytes, timeout.Token);

        Assert.Equal(200, (await connection.ReadResponseAsync(false, timeout.Token))?.Status);
        Assert.Equal(307, (await connection.ReadResponseAsync(false, timeout.Token))?.Status);
        var third = await connection.ReadResponseAsync(false, timeout.Token);
        Assert.True(third is null || third.Status is >= 400 and < 500, $"the bad request got {third?.Status}");
        Assert.True(await connection.WaitForCloseAsync(timeout.Token), "the connection stayed open after a bad request");
        await fixture.AssertServingAsync();
    }

    private async Task<(int? Status, string? Location, bool Closed)> SendAsync(byte[] bytes)
    {
        using var connection = await RawHttpConnection.OpenAsync(fixture.Server.Port);
        using var timeout = new CancellationTokenSource(AnswerLimit);
        // The server may answer (431, 400) and close before a large request is written: the write then fails.
        await connection.WriteAsync(bytes, timeout.Token);
        var head = bytes.AsSpan().StartsWith("HEAD "u8);
        try
        {
            var response = await connection.ReadResponseAsync(head, timeout.Token);
            return (response?.Status, response?.Header("Location"), connection.Closed);
        }
        catch (OperationCanceledException)
        {
            return (null, null, false);
        }
    }

    private static Dictionary<string, byte[]> BuildCorpus()
    {
        var corpus = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        void Text(string name, string request) => corpus.Add(name, Encoding.UTF8.GetBytes(request));
        void Bytes(string name, params byte[][] parts) => corpus.Add(name, [.. parts.SelectMany(p => p)]);
        void ForwardedFor(string name, string value) => Text("X-Forwarded-For " + name, $"GET {Blob} HTTP/1.1\r\n{Host}X-Forwarded-For: {value}\r\n\r\n");

        // Request lines.
        Text("missing version", $"GET /v2/\r\n{Host}\r\n");
        Text("two spaces after the method", $"GET  /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("trailing space after the version", $"GET /v2/ HTTP/1.1 \r\n{Host}\r\n");
        Text("lowercase method", $"get /v2/ HTTP/1.1\r\n{Host}\r\n");
        // Found by OpenRedirectSocketTests: "head" (not HEAD) got a 500, its 405 body left unwritten.
        Text("lowercase head", $"head /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("lowercase head on a blob", $"head {Blob} HTTP/1.1\r\n{Host}X-Forwarded-For: 35.180.1.1, 130.211.0.1\r\n\r\n");
        Text("unknown method", $"BREW /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("method with a non-token character", $"GE(T /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("version HTTP/9.9", $"GET /v2/ HTTP/9.9\r\n{Host}\r\n");
        Text("version HTTP/1.2", $"GET /v2/ HTTP/1.2\r\n{Host}\r\n");
        Text("version without a minor", $"GET /v2/ HTTP/1\r\n{Host}\r\n");
        Text("version in lower case", $"GET /v2/ http/1.1\r\n{Host}\r\n");
        Text("control character in the target", $"GET /v2/\u0001 HTTP/1.1\r\n{Host}\r\n");
        Text("DEL in the target", $"GET /v2/\u007f HTTP/1.1\r\n{Host}\r\n");
        Text("NUL in the target", $"GET /v2/\0 HTTP/1.1\r\n{Host}\r\n");
        Text("NUL in the method", $"G\0T /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("NUL in a header value", $"GET /v2/ HTTP/1.1\r\n{Host}X-A: a\0b\r\n\r\n");
        Text("raw UTF-8 in the target", $"GET /v2/pausé/manifests/latest HTTP/1.1\r\n{Host}\r\n");
        Bytes("invalid UTF-8 in the target", "GET /v2/"u8.ToArray(), [0xc0, 0xaf, 0xff], " HTTP/1.1\r\nHost: r\r\n\r\n"u8.ToArray());
        Text("bare LF line ends", "GET /v2/ HTTP/1.1\nHost: registry.example\n\n");
        Text("bare CR line ends", "GET /v2/ HTTP/1.1\rHost: registry.example\r\r");
        Text("mixed line ends", "GET /v2/ HTTP/1.1\r\nHost: registry.example\n\r\n");
        Text("request line of 100 KiB", $"GET /v2/{new string('a', 100 * 1024)}/manifests/latest HTTP/1.1\r\n{Host}\r\n");
        Text("request line just over 8 KiB", $"GET /{new string('a', 8 * 1024)} HTTP/1.1\r\n{Host}\r\n");
        Text("empty request line", $"\r\n{Host}\r\n");
        Text("empty lines before the request line", $"\r\n\r\n\r\nGET /v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("target without a slash", $"GET v2/ HTTP/1.1\r\n{Host}\r\n");
        Text("asterisk-form GET", $"GET * HTTP/1.1\r\n{Host}\r\n");
        Text("OPTIONS asterisk", $"OPTIONS * HTTP/1.1\r\n{Host}\r\n");
        Text("CONNECT authority-form", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n");
        Text("absolute-form to another host", "GET http://evil.example/v2/pause/manifests/latest HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        Text("absolute-form with a mismatched Host", "GET http://evil.example/v2/pause/manifests/latest HTTP/1.1\r\nHost: registry.example\r\n\r\n");
        Text("absolute-form with user info", "GET http://user:pass@evil.example/ HTTP/1.1\r\nHost: evil.example\r\n\r\n");
        Text("scheme-relative target", $"GET //evil.example/v2/ HTTP/1.1\r\n{Host}\r\n");

        // Headers.
        Text("header without a colon", $"GET /v2/ HTTP/1.1\r\n{Host}NoColon\r\n\r\n");
        Text("space before the colon", $"GET /v2/ HTTP/1.1\r\n{Host}X-A : b\r\n\r\n");
        Text("empty header name", $"GET /v2/ HTTP/1.1\r\n{Host}: b\r\n\r\n");
        Text("obsolete line folding", $"GET /v2/ HTTP/1.1\r\n{Host}X-A: a\r\n b\r\n\r\n");
        Text("500 headers", $"GET /v2/ HTTP/1.1\r\n{Host}{string.Concat(Enumerable.Range(0, 500).Select(i => $"X-H{i}: v\r\n"))}\r\n");
        Text("60 headers (under the limit)", $"GET /v2/ HTTP/1.1\r\n{Host}{string.Concat(Enumerable.Range(0, 60).Select(i => $"X-H{i}: v\r\n"))}\r\n");
        Text("1 MB header", $"GET /v2/ HTTP/1.1\r\n{Host}X-Big: {new string('a', 1024 * 1024)}\r\n\r\n");
        Text("1 MB header name", $"GET /v2/ HTTP/1.1\r\n{Host}{new string('a', 1024 * 1024)}: b\r\n\r\n");
        Text("two Host headers", $"GET /v2/ HTTP/1.1\r\n{Host}Host: evil.example\r\n\r\n");
        Text("Host with user info", "GET /v2/ HTTP/1.1\r\nHost: user@evil.example\r\n\r\n");
        Text("Host with a path", "GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n");
        Text("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n");
        Text("no Host on HTTP/1.1", "GET /v2/ HTTP/1.1\r\n\r\n");
        Text("HTTP/1.0 without Host", "GET /v2/ HTTP/1.0\r\n\r\n");
        Text("HTTP/1.0 blob without Host", $"GET {Blob} HTTP/1.0\r\n\r\n");
        Text("HTTP/1.0 redirect without Host", "GET / HTTP/1.0\r\n\r\n");
        Text("HTTP/0.9 request", "GET /v2/\r\n\r\n");

        // X-Forwarded-For in all shapes, on a blob request (the only kind that reads it).
        ForwardedFor("empty", "");
        ForwardedFor("commas only", ",,,");
        ForwardedFor("unknown", "unknown");
        ForwardedFor("unknown before the balancer", "unknown, 130.211.0.1");
        ForwardedFor("IPv6 in brackets with a port", "[2001:db8::1]:443, 130.211.0.1");
        ForwardedFor("IPv6 in brackets", "[2001:db8::1], 130.211.0.1");
        ForwardedFor("IPv6 with a zone", "fe80::1%eth0, 130.211.0.1");
        ForwardedFor("IPv4 with a port", "1.2.3.4:80, 130.211.0.1");
        ForwardedFor("IPv4 out of range", "999.1.1.1, 130.211.0.1");
        ForwardedFor("IPv4 with leading zeros", "035.180.001.001, 130.211.0.1");
        ForwardedFor("hex IPv4", "0x23b40101, 130.211.0.1");
        ForwardedFor("IPv4-mapped IPv6", "::ffff:35.180.1.1, 130.211.0.1");
        ForwardedFor("space-separated", "35.180.1.1 130.211.0.1");
        ForwardedFor("tabs", "35.180.1.1,\t130.211.0.1");
        ForwardedFor("host name", "evil.example, 130.211.0.1");
        ForwardedFor("obfuscated RFC 7239 form", "for=35.180.1.1, 130.211.0.1");
        ForwardedFor("1,000 entries", string.Join(", ", Enumerable.Repeat("35.180.1.1", 1000)));
        ForwardedFor("10,000 entries", string.Join(", ", Enumerable.Repeat("35.180.1.1", 10_000)));
        ForwardedFor("10,000 commas", new string(',', 10_000));
        Bytes("X-Forwarded-For garbage bytes", Encoding.ASCII.GetBytes($"GET {Blob} HTTP/1.1\r\n{Host}X-Forwarded-For: "), [0x80, 0xff, 0xfe, 0x01, 0x7f, 0xc3, 0x28], ", 130.211.0.1\r\n\r\n"u8.ToArray());
        Text("X-Forwarded-For duplicated lines", $"GET {Blob} HTTP/1.1\r\n{Host}X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 35.180.1.1\r\nX-Forwarded-For: 130.211.0.1\r\n\r\n");
        Text("X-Forwarded-For 60 empty lines", $"GET {Blob} HTTP/1.1\r\n{Host}{string.Concat(Enumerable.Repeat("X-Forwarded-For:\r\n", 60))}\r\n");

        // HTTP/2 on the HTTP/1 port.
        Bytes("HTTP/2 prior knowledge preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray(), [0, 0, 0, 4, 0, 0, 0, 0, 0]);
        Text("HTTP/2 preface alone", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
        Text("h2c upgrade", $"GET /v2/ HTTP/1.1\r\n{Host}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n");
        Text("WebSocket upgrade", $"GET /v2/ HTTP/1.1\r\n{Host}Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
        Bytes("TLS ClientHello on the plain port", [0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, .. new byte[32], 0x00, 0x00, 0x02, 0x13, 0x01, 0x01, 0x00]);
        Bytes("random bytes", [.. Enumerable.Range(0, 4096).Select(i => (byte)((i * 7919) ^ (i >> 3)))]);

        // Bodies and request smuggling shapes.
        Text("GET with a Content-Length body", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: 5\r\n\r\nhello");
        Text("POST with a chunked body", $"POST /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        Text("GET with a chunked body", $"GET {Blob} HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
        Text("Transfer-Encoding and Content-Length (CL.TE)", $"POST /v2/ HTTP/1.1\r\n{Host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /privacy HTTP/1.1\r\n{Host}\r\n");
        Text("Content-Length and Transfer-Encoding (TE.CL)", $"GET /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n");
        Text("two different Content-Lengths", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: 0\r\nContent-Length: 5\r\n\r\nhello");
        Text("Content-Length list", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: 5, 5\r\n\r\nhello");
        Text("negative Content-Length", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: -1\r\n\r\n");
        Text("huge Content-Length", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: 99999999999999999999\r\n\r\n");
        Text("Content-Length with a plus sign", $"GET /v2/ HTTP/1.1\r\n{Host}Content-Length: +5\r\n\r\nhello");
        Text("Transfer-Encoding chunked, identity", $"GET /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n");
        Text("Transfer-Encoding xchunked", $"GET /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding: xchunked\r\n\r\n");
        Text("Transfer-Encoding with a space before the colon", $"GET /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n");
        Text("bad chunk size", $"GET /v2/ HTTP/1.1\r\n{Host}Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
        Text("Expect 100-continue with the body", $"GET /v2/ HTTP/1.1\r\n{Host}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
        Text("Expect 100-continue on a POST", $"POST {Blob} HTTP/1.1\r\n{Host}Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello");
        Text("unknown Expect", $"GET /v2/ HTTP/1.1\r\n{Host}Expect: 200-ok\r\n\r\n");
        return corpus;
    }
}
