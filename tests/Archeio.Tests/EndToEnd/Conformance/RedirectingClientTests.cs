using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The conformance suite's redirect follower against two real loopback servers (two origins: another port is another
/// origin, and so is another host name for the same port). What each server received is the evidence, not what the
/// client says it sent.
/// </summary>
public sealed class RedirectingClientTests : IAsyncLifetime, IDisposable
{
    private const string Token = "Bearer conformance-token";

    private readonly ConcurrentQueue<Received> _received = new();
    private readonly RedirectingClient _client = new();
    private LoopbackServer _origin = null!;
    private LoopbackServer _other = null!;

    public async Task InitializeAsync()
    {
        _origin = await LoopbackServer.StartAsync(context => AnswerAsync("origin", context));
        _other = await LoopbackServer.StartAsync(context => AnswerAsync("other", context));
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _other.DisposeAsync();
    }

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Authorization_follows_a_redirect_on_the_same_origin()
    {
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/redirect/307/origin/landing");

        Assert.Equal(200, response.Status);
        Assert.Equal(_origin.BaseUrl + "/landing", response.FinalUri.ToString());
        Assert.Single(response.Hops);
        var landing = Landing("origin");
        Assert.Equal(Token, landing.Authorization);
    }

    [Fact]
    public async Task Authorization_is_not_sent_to_another_port()
    {
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/redirect/307/other/landing");

        Assert.Equal(200, response.Status);
        Assert.Equal(_other.BaseUrl + "/landing", response.FinalUri.ToString());
        Assert.Null(Landing("other").Authorization);
        // The first request did carry it: the follower, not the sender, dropped it.
        Assert.Equal(Token, _received.First(r => r.Path.StartsWith("/redirect/", StringComparison.Ordinal)).Authorization);
    }

    [Fact]
    public async Task Authorization_is_not_sent_to_another_host_on_the_same_port()
    {
        // localhost and 127.0.0.1 reach the same server but are different origins (RFC 6454).
        var port = new Uri(_origin.BaseUrl).Port.ToString(CultureInfo.InvariantCulture);
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/redirect/302/localhost/landing");

        Assert.Equal(200, response.Status);
        Assert.Equal("http://localhost:" + port + "/landing", response.FinalUri.ToString());
        Assert.Null(Landing("origin").Authorization);
    }

    [Fact]
    public async Task Authorization_is_sent_again_when_a_chain_comes_back_to_the_origin()
    {
        // origin → other → origin: the credential goes back to the origin it was given for, never to the other.
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/redirect/307/other/redirect/308/origin/landing");

        Assert.Equal(200, response.Status);
        Assert.Equal(2, response.Hops.Count);
        Assert.Null(_received.Single(r => r.Server == "other").Authorization);
        Assert.Equal(Token, Landing("origin").Authorization);
    }

    [Theory]
    [InlineData(307)]
    [InlineData(308)]
    public async Task HEAD_with_Range_and_Accept_stays_HEAD_with_both_across_a_redirect_to_another_origin(int status)
    {
        var response = await SendAsync(
            HttpMethod.Head,
            _origin.BaseUrl + $"/redirect/{status}/other/landing",
            new("Range", "bytes=2-5"),
            new("Accept", "application/vnd.oci.image.manifest.v1+json"));

        Assert.Equal(200, response.Status);
        Assert.Equal(HttpMethod.Head, response.FinalMethod);
        var landing = Landing("other");
        Assert.Equal("HEAD", landing.Method);
        Assert.Equal("bytes=2-5", landing.Range);
        Assert.Equal("application/vnd.oci.image.manifest.v1+json", landing.Accept);
        Assert.Null(landing.Authorization);
        Assert.True(response.Body.IsEmpty);
    }

    [Theory]
    [InlineData(301, "GET")]
    [InlineData(302, "GET")]
    [InlineData(303, "GET")]
    [InlineData(301, "HEAD")]
    [InlineData(302, "HEAD")]
    [InlineData(303, "HEAD")]
    public async Task GET_and_HEAD_keep_their_method_on_301_302_and_303(int status, string method)
    {
        var response = await SendAsync(new HttpMethod(method), _origin.BaseUrl + $"/redirect/{status}/origin/landing");

        Assert.Equal(200, response.Status);
        Assert.Equal(method, Landing("origin").Method);
        Assert.Equal(status, Assert.Single(response.Hops).Status);
    }

    [Fact]
    public async Task A_relative_Location_is_resolved_against_the_URL_that_sent_it()
    {
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/relative/a/b");

        Assert.Equal(200, response.Status);
        Assert.Equal(_origin.BaseUrl + "/relative/a/landing?x=1", response.FinalUri.ToString());
        Assert.Equal("/relative/a/landing?x=1", Landing("origin").PathAndQuery);
    }

    [Fact]
    public async Task A_redirect_loop_ends_after_the_bound()
    {
        using var client = new RedirectingClient(maxRedirects: 3);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.SendAsync(HttpMethod.Get, new Uri(_origin.BaseUrl + "/loop")));

        Assert.Contains("more than 3 redirects", error.Message, StringComparison.Ordinal);
        // The first request and three followed redirects: the fourth redirect is not followed.
        Assert.Equal(4, _received.Count(r => r.Path == "/loop"));
    }

    [Fact]
    public async Task A_redirect_without_Location_is_the_answer()
    {
        var response = await SendAsync(HttpMethod.Get, _origin.BaseUrl + "/no-location");

        Assert.Equal(307, response.Status);
        Assert.Empty(response.Hops);
    }

    [Fact]
    public async Task An_answer_whose_body_breaks_off_keeps_its_status_and_headers_and_says_so()
    {
        // Distribution 2.8's 416: the blob's Content-Length, a shorter body, then the connection is closed (a FIN, not
        // a reset: a raw socket, since Kestrel resets a connection whose response falls short).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serving = ServeShortAnswerAsync(listener);

        var response = await _client.SendAsync(HttpMethod.Get, new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/short"));
        await serving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(416, response.Status);
        Assert.Equal("bytes */100", response.Header("Content-Range"));
        Assert.NotNull(response.BodyError);
        Assert.True(response.Body.IsEmpty);
    }

    private static async Task ServeShortAnswerAsync(TcpListener listener)
    {
        using var connection = await listener.AcceptSocketAsync();
        var request = new byte[4096];
        var read = 0;
        while (!Encoding.ASCII.GetString(request, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            read += await connection.ReceiveAsync(request.AsMemory(read));
        }

        await connection.SendAsync(Encoding.ASCII.GetBytes(
            "HTTP/1.1 416 Requested Range Not Satisfiable\r\nContent-Length: 100\r\nContent-Range: bytes */100\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n\r\ninvalid range: failed to overlap\n"));
        connection.Shutdown(SocketShutdown.Send);
        // Until the client has read and closed its side: a close with unread input would send a reset.
        while (await connection.ReceiveAsync(request.AsMemory()) > 0)
        {
        }
    }

    private Task<FollowedResponse> SendAsync(HttpMethod method, string url, params KeyValuePair<string, string>[] headers)
        => _client.SendAsync(method, new Uri(url), [new("Authorization", Token), .. headers]);

    private Received Landing(string server)
        => Assert.Single(_received, r => r.Server == server && !r.Path.StartsWith("/redirect/", StringComparison.Ordinal) && r.Path.EndsWith("/landing", StringComparison.Ordinal));

    /// <summary>
    /// <c>/redirect/&lt;status&gt;/&lt;origin|other|localhost&gt;/&lt;rest&gt;</c> redirects to <c>/&lt;rest&gt;</c> there;
    /// <c>/relative/a/b</c> answers a relative <c>Location</c>; <c>/loop</c> redirects to itself; anything ending in
    /// <c>/landing</c> answers 200 with a body (none for HEAD).
    /// </summary>
    private async Task AnswerAsync(string server, HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        _received.Enqueue(new Received(
            server, request.Method, path, path + request.QueryString, Header(request, "Authorization"), Header(request, "Range"), Header(request, "Accept")));
        var response = context.Response;
        var parts = path.Split('/', 5);
        if (parts is ["", "redirect", var code, var where, var rest])
        {
            var target = where switch
            {
                "origin" => _origin.BaseUrl,
                "other" => _other.BaseUrl,
                _ => "http://localhost:" + new Uri(_origin.BaseUrl).Port.ToString(CultureInfo.InvariantCulture),
            };
            response.StatusCode = int.Parse(code, CultureInfo.InvariantCulture);
            response.Headers.Location = target + "/" + rest;
        }
        else if (path == "/relative/a/b")
        {
            response.StatusCode = 307;
            response.Headers.Location = "landing?x=1";
        }
        else if (path == "/loop")
        {
            response.StatusCode = 302;
            response.Headers.Location = "/loop";
        }
        else if (path == "/no-location")
        {
            response.StatusCode = 307;
        }
        else if (path.EndsWith("/landing", StringComparison.Ordinal))
        {
            response.StatusCode = 200;
            response.ContentLength = 7;
            if (!HttpMethods.IsHead(request.Method))
            {
                await response.WriteAsync("landed\n");
            }
        }
        else
        {
            response.StatusCode = 404;
        }
    }

    private static string? Header(HttpRequest request, string name) => request.Headers.TryGetValue(name, out var values) ? values.ToString() : null;

    private sealed record Received(string Server, string Method, string Path, string PathAndQuery, string? Authorization, string? Range, string? Accept);
}
