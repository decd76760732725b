using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.TestBed;

/// <summary>The fault proxy against a scripted peer: it passes requests and answers through, and breaks exactly what its plan says.</summary>
public sealed class FaultProxyTests : IAsyncLifetime, IDisposable
{
    private const string Digest = "sha256:" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";
    private const string BlobPath = "/containers/images/" + Digest;
    private const int BodyLength = 1 << 20;
    private const int CutAfter = 100_000;

    private static readonly byte[] Body = [.. Enumerable.Range(0, BodyLength).Select(i => (byte)(i * 7 % 251))];

    private readonly ConcurrentQueue<IHeaderDictionary> _seen = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });
    private LoopbackServer _peer = null!;
    private FaultProxy _proxy = null!;

    public async Task InitializeAsync()
    {
        _peer = await LoopbackServer.StartAsync(ServeAsync);
        _proxy = await FaultProxy.StartAsync("peer", _peer.BaseUrl);
    }

    public void Dispose() => _http.Dispose();

    public async Task DisposeAsync()
    {
        await _proxy.DisposeAsync();
        await _peer.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_cut_GET_ends_short_of_its_Content_Length_after_the_planned_bytes(bool everyGet)
    {
        var policy = everyGet ? CutPolicy.EveryGet : CutPolicy.FirstGet;
        _proxy.Plan = new FaultPlan(Digest, CutAfter, policy);

        var first = await GetAsync(BlobPath);
        var second = await GetAsync(BlobPath);
        await _proxy.WhenIdleAsync();

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(BodyLength, first.ContentLength);
        Assert.True(first.Truncated, "the client read the whole body of a cut GET");
        Assert.Equal(CutAfter, first.Received);
        Assert.Equal(Body.AsSpan(0, first.Received).ToArray(), first.Bytes);
        Assert.Equal(policy == CutPolicy.EveryGet, second.Truncated);
        var log = _proxy.Log;
        Assert.Equal([true, policy == CutPolicy.EveryGet], log.Select(e => e.Cut));
        Assert.Equal([CutAfter, policy == CutPolicy.EveryGet ? CutAfter : BodyLength], log.Select(e => e.BytesSent));

        // Setting the plan again re-arms the first-GET cut.
        _proxy.Plan = _proxy.Plan;
        Assert.True((await GetAsync(BlobPath)).Truncated);
    }

    [Fact]
    public async Task Other_paths_and_HEADs_are_not_cut()
    {
        _proxy.Plan = new FaultPlan(Digest, CutAfter, CutPolicy.EveryGet);

        var other = await GetAsync("/containers/images/sha256:" + new string('c', 64));
        using var head = await _http.SendAsync(new HttpRequestMessage(HttpMethod.Head, _proxy.BaseUrl + BlobPath));
        await _proxy.WhenIdleAsync();

        Assert.False(other.Truncated);
        Assert.Equal(BodyLength, other.Received);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(BodyLength, head.Content.Headers.ContentLength);
        Assert.All(_proxy.Log, e => Assert.False(e.Cut));
    }

    [Fact]
    public async Task With_ranges_refused_every_request_carrying_Range_is_a_400_and_others_pass()
    {
        _proxy.Plan = new FaultPlan(RefuseRanges: true);

        var ranged = await GetAsync(BlobPath, request => request.Headers.Range = new RangeHeaderValue(0, 1023));
        using var rangedHead = new HttpRequestMessage(HttpMethod.Head, _proxy.BaseUrl + BlobPath);
        rangedHead.Headers.Range = new RangeHeaderValue(10, null);
        using var headAnswer = await _http.SendAsync(rangedHead);
        var plain = await GetAsync(BlobPath);
        await _proxy.WhenIdleAsync();

        Assert.Equal(HttpStatusCode.BadRequest, ranged.Status);
        Assert.Equal(HttpStatusCode.BadRequest, headAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, plain.Status);
        Assert.Equal(Body, plain.Bytes);
        Assert.Single(_seen); // the refused ones never reached the peer
        Assert.Equal(["bytes=0-1023", "bytes=10-", null], _proxy.Log.Select(e => e.Range));
        Assert.Equal([400, 400, 200], _proxy.Log.Select(e => e.Status));
    }

    [Fact]
    public async Task A_206_and_a_redirect_pass_through_with_their_headers_and_the_requests_with_theirs()
    {
        var partial = await GetAsync(BlobPath, request =>
        {
            request.Headers.Range = new RangeHeaderValue(1000, null);
            request.Headers.Accept.ParseAdd("application/vnd.oci.image.layer.v1.tar");
            request.Headers.IfNoneMatch.ParseAdd("\"other\"");
            request.Headers.UserAgent.ParseAdd("fault-proxy-test/1");
        });
        using var redirect = await _http.GetAsync(_proxy.BaseUrl + "/moved?x=1");
        await _proxy.WhenIdleAsync();

        Assert.Equal(HttpStatusCode.PartialContent, partial.Status);
        Assert.Equal(BodyLength - 1000, partial.ContentLength);
        Assert.Equal(Body.AsSpan(1000).ToArray(), partial.Bytes);
        Assert.Equal($"bytes 1000-{BodyLength - 1}/{BodyLength}", partial.Headers["Content-Range"]);
        Assert.Equal("bytes", partial.Headers["Accept-Ranges"]);
        Assert.Equal("\"blob\"", partial.Headers["ETag"]);
        Assert.Equal(Digest, partial.Headers["Docker-Content-Digest"]);
        Assert.Equal("application/octet-stream", partial.Headers["Content-Type"]);

        var seen = _seen.First();
        Assert.Equal("bytes=1000-", seen.Range.ToString());
        Assert.Equal("application/vnd.oci.image.layer.v1.tar", seen.Accept.ToString());
        Assert.Equal("\"other\"", seen.IfNoneMatch.ToString());
        Assert.Equal("fault-proxy-test/1", seen.UserAgent.ToString());

        Assert.Equal(HttpStatusCode.TemporaryRedirect, redirect.StatusCode);
        Assert.Equal("http://elsewhere.invalid/blob", redirect.Headers.Location?.OriginalString);
        Assert.Equal("/moved?x=1", _proxy.Log[^1].Path);
    }

    private async Task<Fetched> GetAsync(string path, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _proxy.BaseUrl + path);
        configure?.Invoke(request);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var headers = response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase);
        using var received = new MemoryStream();
        var truncated = false;
        try
        {
            await using var body = await response.Content.ReadAsStreamAsync();
            await body.CopyToAsync(received);
        }
        catch (HttpIOException ex) when (ex.HttpRequestError == HttpRequestError.ResponseEnded)
        {
            truncated = true;
        }

        return new Fetched(response.StatusCode, response.Content.Headers.ContentLength, received.ToArray(), truncated, headers);
    }

    /// <summary>A blob store of one blob that honours <c>Range: bytes=N-</c> and <c>bytes=N-M</c>, and one redirect.</summary>
    private async Task ServeAsync(HttpContext context)
    {
        _seen.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary(h => h.Key, h => h.Value)));
        if (context.Request.Path == "/moved")
        {
            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = "http://elsewhere.invalid/blob";
            return;
        }

        var response = context.Response;
        response.ContentType = "application/octet-stream";
        response.Headers.ETag = "\"blob\"";
        response.Headers.AcceptRanges = "bytes";
        response.Headers["Docker-Content-Digest"] = Digest;
        var (start, end) = (0, BodyLength - 1);
        var range = context.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range["bytes=".Length..].Split('-');
            start = int.Parse(parts[0], CultureInfo.InvariantCulture);
            end = parts[1].Length == 0 ? end : int.Parse(parts[1], CultureInfo.InvariantCulture);
            response.StatusCode = StatusCodes.Status206PartialContent;
            response.Headers.ContentRange = $"bytes {start}-{end}/{BodyLength}";
        }

        response.ContentLength = end - start + 1;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await response.Body.WriteAsync(Body.AsMemory(start, end - start + 1));
        }
    }

    private sealed record Fetched(HttpStatusCode Status, long? ContentLength, byte[] Bytes, bool Truncated, IReadOnlyDictionary<string, string> Headers)
    {
        public int Received => Bytes.Length;
    }
}
