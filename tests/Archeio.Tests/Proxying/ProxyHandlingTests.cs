using System.Collections;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Archeio.Proxying;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.Proxying;

/// <summary>
/// Rules with <c>Action: Proxy</c> in the test host, against real loopback sources (<see cref="ScriptedSource"/>): a
/// mirror and a registry that challenges for a token and redirects blob GETs to its storage. The client (127.0.0.1,
/// inside the rule's <c>Match:Networks</c>) only ever talks to Archeio; what reaches the sources is checked from their
/// side.
/// </summary>
public sealed class ProxyHandlingTests : IAsyncLifetime
{
    private static readonly byte[] Layer = [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7))];
    private static readonly byte[] OnlyUpstream = [.. Enumerable.Range(0, 70_000).Select(i => (byte)(i * 13))];

    private readonly ListLogger<ProxyForwarder> _log = new();
    private ScriptedSource _mirror = null!;
    private ScriptedSource _upstream = null!;
    private string _layer = null!;
    private string _onlyUpstream = null!;

    public async Task InitializeAsync()
    {
        _mirror = await ScriptedSource.StartAsync();
        _upstream = await ScriptedSource.StartAsync();
        _upstream.RequireToken = true;
        _layer = _mirror.Add(Layer);
        _upstream.Add(Layer);
        _onlyUpstream = _upstream.Add(OnlyUpstream);
    }

    public async Task DisposeAsync()
    {
        await _mirror.DisposeAsync();
        await _upstream.DisposeAsync();
    }

    [Fact]
    public async Task A_blob_the_mirror_holds_is_streamed_from_it_whole_with_its_digest_and_no_redirect()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");

        using var response = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Layer, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(Layer.Length, response.Content.Headers.ContentLength);
        Assert.Equal(_layer, response.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Equal("bytes", response.Headers.AcceptRanges.Single());
        Assert.Contains(_mirror.Requests, r => r.Method == "GET" && r.Path == "/m/" + _layer);
        Assert.Empty(_upstream.RequestsTo("/v2/project/app/blobs/"));
    }

    [Fact]
    public async Task A_client_outside_the_rules_networks_is_redirected_as_before()
    {
        await using var host = Host();
        using var client = host.Client("192.0.2.10");

        using var response = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(_upstream.BaseUrl + "/v2/project/app/blobs/" + _layer, response.Headers.Location!.ToString());
        Assert.DoesNotContain(_mirror.Requests, r => r.Method == "GET");
    }

    [Fact]
    public async Task A_blob_only_the_upstream_holds_comes_through_its_token_and_its_storage_redirect_the_client_seeing_neither()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");

        using var first = await client.GetAsync(new Uri("/v2/app/blobs/" + _onlyUpstream, UriKind.Relative));
        using var second = await client.GetAsync(new Uri("/v2/app/blobs/" + _onlyUpstream, UriKind.Relative));

        foreach (var response in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(OnlyUpstream, await response.Content.ReadAsByteArrayAsync());
            Assert.False(response.Headers.Contains("WWW-Authenticate"));
        }

        // One anonymous token for the repository's pull scope, cached for the second request.
        Assert.Equal(1, _upstream.TokensIssued);
        var storage = _upstream.RequestsTo("/storage/");
        Assert.Equal(2, storage.Count);
        // The redirect to storage was followed by Archeio, and the token stayed with the registry.
        Assert.All(storage, r => Assert.Equal("", r.Authorization));
        Assert.Contains(_upstream.Requests, r => r.Path == "/v2/project/app/blobs/" + _onlyUpstream && r.Authorization == "Bearer t0k3n");
    }

    [Fact]
    public async Task The_api_base_answers_200_without_asking_the_upstream_that_challenges()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");

        using var response = await client.GetAsync(new Uri("/v2/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(_upstream.Requests);
    }

    [Fact]
    public async Task Manifests_by_tag_and_tag_lists_come_from_the_upstream_with_their_headers()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v2/app/manifests/v1", UriKind.Relative));
        request.Headers.Accept.ParseAdd(ScriptedSource.ManifestType);

        using var manifest = await client.SendAsync(request);
        using var tags = await client.GetAsync(new Uri("/v2/app/tags/list", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, manifest.StatusCode);
        Assert.Equal(ScriptedSource.ManifestType, manifest.Content.Headers.ContentType!.MediaType);
        Assert.NotEmpty(manifest.Headers.GetValues("Docker-Content-Digest").Single());
        Assert.Contains(_upstream.Requests, r => r.Path == "/v2/project/app/manifests/v1" && r.Accept.Contains(ScriptedSource.ManifestType, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, tags.StatusCode);
        Assert.Equal("""{"name":"project/app","tags":["v1","v2"]}""", await tags.Content.ReadAsStringAsync());
        Assert.Contains("rel=\"next\"", tags.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ranges_and_conditional_requests_pass_through()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");
        var uri = new Uri("/v2/app/blobs/" + _layer, UriKind.Relative);

        using var partial = new HttpRequestMessage(HttpMethod.Get, uri);
        partial.Headers.Range = new RangeHeaderValue(100_000, null);
        using var rest = await client.SendAsync(partial);
        using var past = new HttpRequestMessage(HttpMethod.Get, uri);
        past.Headers.Range = new RangeHeaderValue(Layer.Length + 10, null);
        using var unsatisfiable = await client.SendAsync(past);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, uri);
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"" + _layer + "\""));
        using var notModified = await client.SendAsync(conditional);
        using var head = await client.SendAsync(new HttpRequestMessage(HttpMethod.Head, uri));

        Assert.Equal(HttpStatusCode.PartialContent, rest.StatusCode);
        Assert.Equal(Layer[100_000..], await rest.Content.ReadAsByteArrayAsync());
        Assert.Equal($"bytes 100000-{Layer.Length - 1}/{Layer.Length}", rest.Content.Headers.ContentRange!.ToString());
        Assert.Equal(HttpStatusCode.RequestedRangeNotSatisfiable, unsatisfiable.StatusCode);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(Layer.Length, head.Content.Headers.ContentLength);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Contains(_mirror.Requests, r => r.Method == "HEAD" && r.Path == "/m/" + _layer);
    }

    [Fact]
    public async Task The_client_s_credentials_cookies_and_encodings_never_reach_a_source()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "client-secret");
        request.Headers.Add("Cookie", "session=1");
        request.Headers.AcceptEncoding.ParseAdd("gzip");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var asked = _mirror.RequestsTo("/m/").Single(r => r.Method == "GET");
        Assert.Equal(("", "", ""), (asked.Authorization, asked.Cookie, asked.AcceptEncoding));
    }

    [Fact]
    public async Task An_upstream_404_is_the_client_s_404_with_its_oci_body()
    {
        await using var host = Host();
        using var client = host.Client("127.0.0.1");
        var missing = "sha256:" + new string('a', 64);

        using var response = await client.GetAsync(new Uri("/v2/app/blobs/" + missing, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("BLOB_UNKNOWN", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bytes_that_do_not_hash_to_the_digest_never_reach_the_client_whole_and_the_lie_is_logged()
    {
        _mirror.Lie = true;
        await using var host = Host();
        using var client = host.Client("127.0.0.1");

        var received = await ReadAllYouCanAsync(client, "/v2/app/blobs/" + _layer);

        Assert.True(received < Layer.Length, $"received {received} of {Layer.Length} bytes");
        var entry = Assert.Single(_log.Entries, e => e.EventId == 101);
        Assert.Equal(LogLevel.Error, entry.Level);
        Assert.Contains(_layer, entry.Message, StringComparison.Ordinal);
        Assert.Contains("mirror:m", entry.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The client's retry after a cut must not meet the same lie: the liar's HEAD still says 200, and before the fix
    /// Archeio asked it again, believed it, and cut every retry (a real docker pull failed after five attempts; the
    /// HEAD's 200 also reset the breaker's count, so it never opened). Its bytes are known wrong: the retry comes
    /// from the upstream, and the liar is not asked again.
    /// </summary>
    [Fact]
    public async Task After_a_mirror_s_bytes_did_not_hash_to_the_digest_the_retry_comes_whole_from_the_upstream()
    {
        _mirror.Lie = true;
        await using var host = Host();
        using var client = host.Client("127.0.0.1");

        var cut = await ReadAllYouCanAsync(client, "/v2/app/blobs/" + _layer);
        using var retry = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));
        using var third = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));

        Assert.True(cut < Layer.Length, $"received {cut} of {Layer.Length} bytes");
        foreach (var response in new[] { retry, third })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Layer, await response.Content.ReadAsByteArrayAsync());
        }

        Assert.Single(_mirror.RequestsTo("/m/"), r => r.Method == "GET");
        Assert.Single(_mirror.RequestsTo("/m/"), r => r.Method == "HEAD");
        Assert.Equal(2, _upstream.RequestsTo("/v2/project/app/blobs/" + _layer).Count(r => r.Method == "GET" && r.Authorization.Length > 0));
    }

    [Fact]
    public async Task A_failing_mirror_is_passed_over_for_the_upstream_before_anything_is_sent()
    {
        _mirror.Status = 503;
        await using var host = Host(mirrorHolds: true);
        using var client = host.Client("127.0.0.1");

        using var response = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Layer, await response.Content.ReadAsByteArrayAsync());
        Assert.Contains(_log.Entries, e => e.EventId == 100 && e.Message.Contains("mirror:m", StringComparison.Ordinal) && e.Message.Contains("503", StringComparison.Ordinal));
    }

    [Fact]
    public async Task When_every_source_fails_the_client_gets_a_502_with_an_oci_body()
    {
        _mirror.Status = 500;
        _upstream.Status = 500;
        await using var host = Host(mirrorHolds: true);
        using var client = host.Client("127.0.0.1");

        using var response = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var error = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["errors"]![0]!;
        Assert.Equal("UNAVAILABLE", (string?)error["code"]);
        Assert.Contains("mirror:m", (string?)error["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_that_sends_no_headers_within_the_first_byte_timeout_is_a_504()
    {
        var never = new TaskCompletionSource();
        _upstream.Hold = never.Task;
        await using var host = Host(firstByteTimeout: "00:00:01");
        using var client = host.Client("127.0.0.1");

        using var response = await client.GetAsync(new Uri("/v2/app/manifests/v1", UriKind.Relative));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Contains("UNAVAILABLE", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        never.SetResult();
    }

    [Fact]
    public async Task A_body_that_stalls_past_the_idle_timeout_cuts_the_client_s_connection()
    {
        var never = new TaskCompletionSource();
        _mirror.StallHalfway = never.Task;
        await using var host = Host(idleTimeout: "00:00:01");
        using var client = host.Client("127.0.0.1");

        var received = await ReadAllYouCanAsync(client, "/v2/app/blobs/" + _layer);

        Assert.True(received < Layer.Length, $"received {received} of {Layer.Length} bytes");
        // The client sees the cut as the forwarder aborts; the forwarder logs it just after.
        await Eventually.TrueAsync(() => _log.Entries.Any(e => e.EventId == 102), "the cut logged (event 102)");
        never.SetResult();
    }

    [Fact]
    public async Task Beyond_max_concurrent_streams_a_request_gets_503_with_retry_after()
    {
        var release = new TaskCompletionSource();
        _mirror.Hold = release.Task;
        await using var host = Host(mirrorHolds: true, maxConcurrent: 1);
        using var client = host.Client("127.0.0.1");

        var held = client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));
        await Eventually.TrueAsync(() => _mirror.RequestsTo("/m/").Any(r => r.Method == "GET"), "the first stream held by the mirror");
        using var refused = await client.GetAsync(new Uri("/v2/app/blobs/" + _layer, UriKind.Relative));
        release.SetResult();
        using var first = await held;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter!.Delta);
        Assert.Contains("UNAVAILABLE", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
    }

    /// <summary>Reads the body until it ends or the connection is cut; the bytes received.</summary>
    private static async Task<long> ReadAllYouCanAsync(HttpClient client, string path)
    {
        long received = 0;
        try
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative), HttpCompletionOption.ResponseHeadersRead);
            await using var body = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                received += read;
            }
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // Cut: what matters is how much arrived.
        }

        return received;
    }

    private ProxyHost Host(bool mirrorHolds = false, string? firstByteTimeout = null, string? idleTimeout = null, int? maxConcurrent = null)
    {
        var mirror = new JsonObject { ["Name"] = "m", ["BlobUrl"] = _mirror.MirrorTemplate };
        var proxy = new JsonObject();
        if (firstByteTimeout is not null)
        {
            proxy["FirstByteTimeout"] = firstByteTimeout;
        }

        if (idleTimeout is not null)
        {
            proxy["IdleTimeout"] = idleTimeout;
        }

        if (maxConcurrent is not null)
        {
            proxy["MaxConcurrent"] = maxConcurrent;
        }

        var archeio = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = _upstream.BaseUrl, ["Path"] = "project" },
            ["Mirrors"] = new JsonArray(mirror),
            ["Proxy"] = proxy,
            ["Rules"] = new JsonArray(new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("127.0.0.0/8", "::1/128") },
                ["Mirrors"] = new JsonArray("m"),
                ["Action"] = "Proxy",
            }),
        };
        // With mirrorHolds the check says the mirror holds the layer whatever its HEAD would say (a failing mirror's would fail).
        return new ProxyHost(new TempConfig(archeio), _log, mirrorHolds ? new FakeBlobPresence(_mirror.BaseUrl + "/m/" + _layer) : null);
    }

    /// <summary>The test host with the rule above, its forwarder's log kept; a client whose peer address is given.</summary>
    private sealed class ProxyHost : IAsyncDisposable
    {
        private readonly TempConfig _config;
        private readonly WebApplicationFactory<Program> _factory;

        public ProxyHost(TempConfig config, ListLogger<ProxyForwarder> log, FakeBlobPresence? blobs)
        {
            _config = config;
            _factory = new ArcheioFactory(config.Path, new Hashtable(), blobs).WithWebHostBuilder(
                b => b.ConfigureTestServices(services => services.AddSingleton<ILogger<ProxyForwarder>>(log)));
        }

        public HttpClient Client(string peer)
        {
            var handler = ((TestServer)_factory.Server).CreateHandler(context => context.Connection.RemoteIpAddress = IPAddress.Parse(peer));
            return new HttpClient(handler) { BaseAddress = new Uri("http://archeio.test") };
        }

        public async ValueTask DisposeAsync()
        {
            await _factory.DisposeAsync();
            _config.Dispose();
        }
    }
}
