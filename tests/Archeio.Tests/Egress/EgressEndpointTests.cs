using System.Collections;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Archeio.Egress;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Egress;

/// <summary><c>GET /egress</c> in the test host: the JSON, its ETag, <c>?client=</c>, the HTML page, both ports, and the path settings.</summary>
public sealed class EgressEndpointTests : IDisposable
{
    private const int MetricsPort = 19_997;
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        foreach (var owned in Enumerable.Reverse(_owned))
        {
            owned.Dispose();
        }
    }

    [Fact]
    public async Task The_JSON_lists_Archeio_first_then_every_host_and_every_rule_in_order()
    {
        var context = await SendAsync(Start(), "GET", "/egress");

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        using var json = JsonDocument.Parse(await EgressExample.BodyOf(context));
        var root = json.RootElement;
        Assert.Equal("registry.example:443", root.GetProperty("archeio").GetString());
        Assert.False(root.TryGetProperty("client", out _));
        Assert.Equal(
            [
                "registry.example:443", "blobs.second.example:9443", "canary.example:443", "eu.example:443", "main.example:443", "manifests.example:443",
                "s3.example:443", "second.example:8443", "sig.example:443", "sig.second.example:443", "storage.main.example:443",
            ],
            Strings(root.GetProperty("hosts")));
        var rules = root.GetProperty("rules").EnumerateArray().ToList();
        Assert.Equal(["0", "1", "2", "null"], rules.Select(r => r.GetProperty("index").ToString() is { Length: > 0 } i ? i : "null"));

        var proxy = rules[0];
        Assert.Equal("proxy", proxy.GetProperty("action").GetString());
        Assert.Equal("Match Networks=10.0.0.0/8", proxy.GetProperty("match").GetProperty("inWords").GetString());
        Assert.Equal(["10.0.0.0/8"], Strings(proxy.GetProperty("match").GetProperty("networks")));
        Assert.Equal(JsonValueKind.Null, proxy.GetProperty("match").GetProperty("cloud").ValueKind);
        Assert.Empty(proxy.GetProperty("hosts").EnumerateArray());
        Assert.Contains("Archeio alone", proxy.GetProperty("note").GetString(), StringComparison.Ordinal);
        Assert.Contains("s3.example:443", proxy.GetProperty("fetchedByArcheio").EnumerateArray().Select(h => h.GetProperty("host").GetString()));

        var cloud = rules[1];
        Assert.Equal("redirect", cloud.GetProperty("action").GetString());
        Assert.Equal("AWS", cloud.GetProperty("match").GetProperty("cloud").GetString());
        Assert.Equal(["eu-west-3"], Strings(cloud.GetProperty("match").GetProperty("regions")));
        Assert.Equal(["default"], Strings(cloud.GetProperty("upstreams")));
        var canary = cloud.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("host").GetString() == "canary.example:443");
        Assert.Equal(["mirror canary: blobs"], Strings(canary.GetProperty("reasons")));

        Assert.Equal(EgressEntry.NoRuleInWords, rules[3].GetProperty("match").GetProperty("inWords").GetString());
    }

    [Fact]
    public async Task A_strong_ETag_of_the_body_answers_If_None_Match_with_304()
    {
        var factory = Start();
        var first = await SendAsync(factory, "GET", "/egress");
        var etag = first.Response.Headers.ETag.ToString();
        Assert.Matches("^\"[0-9a-f]{32}\"$", etag);
        Assert.Equal("no-cache", first.Response.Headers.CacheControl.ToString());
        Assert.Equal("Accept, Host", first.Response.Headers.Vary.ToString());

        var again = await SendAsync(factory, "GET", "/egress", headers: ("If-None-Match", etag));
        Assert.Equal(304, again.Response.StatusCode);
        Assert.Equal(etag, again.Response.Headers.ETag.ToString());
        Assert.Equal("", await EgressExample.BodyOf(again));

        var listed = await SendAsync(factory, "GET", "/egress", headers: ("If-None-Match", "\"other\", " + etag));
        Assert.Equal(304, listed.Response.StatusCode);

        var changed = await SendAsync(factory, "GET", "/egress", headers: ("If-None-Match", "\"other\""));
        Assert.Equal(200, changed.Response.StatusCode);

        // One client's view is another body, so another tag.
        var client = await SendAsync(factory, "GET", "/egress?client=10.1.2.3", headers: ("If-None-Match", etag));
        Assert.Equal(200, client.Response.StatusCode);
        Assert.NotEqual(etag, client.Response.Headers.ETag.ToString());
    }

    [Fact]
    public async Task HEAD_has_the_headers_of_GET_and_no_body()
    {
        var factory = Start();
        var get = await SendAsync(factory, "GET", "/egress");
        var head = await SendAsync(factory, "HEAD", "/egress");

        Assert.Equal(200, head.Response.StatusCode);
        Assert.Equal(get.Response.ContentLength, head.Response.ContentLength);
        Assert.Equal(get.Response.Headers.ETag, head.Response.Headers.ETag);
        Assert.Equal("", await EgressExample.BodyOf(head));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("get")]
    public async Task Other_methods_are_refused_with_Allow(string method)
    {
        var context = await SendAsync(Start(), method, "/egress");

        Assert.Equal(405, context.Response.StatusCode);
        Assert.Equal("GET, HEAD", context.Response.Headers.Allow.ToString());
    }

    [Theory]
    [InlineData("10.1.2.3", "0", new string[0])]
    [InlineData("192.0.2.9", "2", new[] { "blobs.second.example:9443", "second.example:8443", "sig.second.example:443" })]
    [InlineData("2001:db8::5", "2", new[] { "blobs.second.example:9443", "second.example:8443", "sig.second.example:443" })]
    [InlineData("203.0.113.1", "null", new[] { "main.example:443", "sig.example:443", "storage.main.example:443" })]
    public async Task With_client_only_that_client_s_rule_and_hosts(string client, string rule, string[] hosts)
    {
        var context = await SendAsync(Start(), "GET", "/egress?client=" + Uri.EscapeDataString(client));

        Assert.Equal(200, context.Response.StatusCode);
        using var json = JsonDocument.Parse(await EgressExample.BodyOf(context));
        var root = json.RootElement;
        Assert.Equal(client, root.GetProperty("client").GetProperty("address").GetString());
        Assert.Equal(rule, root.GetProperty("client").GetProperty("rule").ToString() is { Length: > 0 } r ? r : "null");
        var entry = Assert.Single(root.GetProperty("rules").EnumerateArray());
        Assert.Equal(rule, entry.GetProperty("index").ToString() is { Length: > 0 } i ? i : "null");
        Assert.Equal(["registry.example:443", .. hosts], Strings(root.GetProperty("hosts")));
    }

    [Fact]
    public async Task A_cloud_client_is_placed_by_the_same_range_table_the_server_routes_with()
    {
        var factory = Start();
        JsonElement client = default;

        // The range file loads in the background after start: asked until it is in.
        await Eventually.TrueAsync(
            async () =>
            {
                using var json = JsonDocument.Parse(await EgressExample.BodyOf(await SendAsync(factory, "GET", "/egress?client=35.180.1.1")));
                client = json.RootElement.GetProperty("client").Clone();
                return client.GetProperty("cloud").GetString() is not null;
            },
            "the AWS ranges loaded");

        Assert.Equal("AWS", client.GetProperty("cloud").GetString());
        Assert.Equal("eu-west-3", client.GetProperty("region").GetString());
        Assert.Equal(1, client.GetProperty("rule").GetInt32());
    }

    [Theory]
    [InlineData("?client=nope")]
    [InlineData("?client=")]
    [InlineData("?client=010.1.2.3")]
    [InlineData("?client=1.2.3.4&client=5.6.7.8")]
    [InlineData("?client=10.0.0.0/8")]
    public async Task A_bad_client_is_a_400_with_an_OCI_error(string query)
    {
        var context = await SendAsync(Start(), "GET", "/egress" + query);

        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        using var json = JsonDocument.Parse(await EgressExample.BodyOf(context));
        var error = Assert.Single(json.RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("UNSUPPORTED", error.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData(BrowserAccept, "text/html; charset=utf-8")]
    [InlineData("*/*", "application/json")]
    [InlineData("text/html;q=0.5, application/json", "application/json")]
    public async Task The_page_is_served_to_those_who_prefer_HTML(string accept, string type)
    {
        var context = await SendAsync(Start(), "GET", "/egress", headers: ("Accept", accept));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal(type, context.Response.ContentType);
    }

    [Fact]
    public async Task The_page_shows_the_visitor_as_the_server_resolves_it_its_rule_and_its_hosts()
    {
        // The load balancer's X-Forwarded-For: <client>, <balancer>; the client is one from the right (ForwardedForSkip 1).
        var context = await SendAsync(Start(), "GET", "/egress", IPAddress.Loopback, null, ("Accept", BrowserAccept), ("X-Forwarded-For", "192.0.2.44, 198.51.100.2"));
        var page = await EgressExample.BodyOf(context);

        Assert.Contains("<dd id=\"address\" class=\"host\">192.0.2.44</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"rule\">Rule 2: Match Networks=192.0.2.0/24,2001:db8::/32</dd>", page, StringComparison.Ordinal);
        Assert.Contains("<dd id=\"cloud\">none: not in a cloud range Archeio knows</dd>", page, StringComparison.Ordinal);
        var allow = page[page.IndexOf("<table id=\"allow\">", StringComparison.Ordinal)..page.IndexOf("</section>", StringComparison.Ordinal)];
        Assert.Equal(
            ["registry.example:443", "blobs.second.example:9443", "second.example:8443", "sig.second.example:443"],
            System.Text.RegularExpressions.Regex.Matches(allow, "<td class=\"host\">([^<]*)</td>").Select(m => m.Groups[1].Value));
        Assert.Contains("<table id=\"rules\">", page, StringComparison.Ordinal);
        Assert.Equal("private, no-cache", context.Response.Headers.CacheControl.ToString());
        Assert.Contains("default-src 'none'", context.Response.Headers.ContentSecurityPolicy.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_page_for_a_proxied_client_says_it_needs_Archeio_alone()
    {
        var context = await SendAsync(Start(), "GET", "/egress", IPAddress.Parse("10.20.30.40"), null, ("Accept", BrowserAccept));
        var page = await EgressExample.BodyOf(context);
        var allow = page[page.IndexOf("<table id=\"allow\">", StringComparison.Ordinal)..page.IndexOf("</section>", StringComparison.Ordinal)];

        Assert.Contains("<dd id=\"address\" class=\"host\">10.20.30.40</dd>", page, StringComparison.Ordinal);
        Assert.Contains("the client contacts Archeio alone.", page, StringComparison.Ordinal);
        Assert.Equal(["registry.example:443"], System.Text.RegularExpressions.Regex.Matches(allow, "<td class=\"host\">([^<]*)</td>").Select(m => m.Groups[1].Value));
    }

    [Fact]
    public async Task Hostile_values_are_encoded_in_the_page_and_escaped_in_the_JSON()
    {
        const string Hostile = "<script>alert(1)</script>";
        var archeio = EgressExample.WithoutProbes();
        archeio["Mirrors"]!.AsArray().Add(new JsonObject { ["Name"] = Hostile, ["BlobUrl"] = "https://evil.example/{digest}" });
        archeio["Rules"]![1]!["Mirrors"]!.AsArray().Add(Hostile);
        var factory = Start(archeio);

        var page = await EgressExample.BodyOf(await SendAsync(factory, "GET", "/egress", null, null, ("Accept", BrowserAccept)));
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("mirror &lt;script&gt;alert(1)&lt;/script&gt;: blobs", page, StringComparison.Ordinal);

        var body = await EgressExample.BodyOf(await SendAsync(factory, "GET", "/egress"));
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("mirror " + Hostile + ": blobs", JsonNode.Parse(body)!.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_Host_header_is_encoded_too()
    {
        var factory = Start();
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = "/egress";
            c.Request.Host = new HostString("a\"><b>x");
            c.Request.Headers.Accept = BrowserAccept;
            c.Connection.RemoteIpAddress = IPAddress.Loopback;
        });
        var page = await EgressExample.BodyOf(context);

        Assert.Equal(200, context.Response.StatusCode);
        Assert.DoesNotContain("<b>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_operations_port_serves_the_same_list()
    {
        var factory = Start();
        var ops = await SendAsync(factory, "GET", "/egress", localPort: MetricsPort);
        var published = await SendAsync(factory, "GET", "/egress");

        Assert.Equal(200, ops.Response.StatusCode);
        var expected = JsonNode.Parse(await EgressExample.BodyOf(published))!.AsObject();
        // The same, but for Archeio's own host: the operations port does not know the name clients pull from.
        expected["archeio"] = null;
        expected["hosts"]!.AsArray().RemoveAt(0);
        Assert.Equal(expected.ToJsonString(), JsonNode.Parse(await EgressExample.BodyOf(ops))!.ToJsonString());
        Assert.Equal(200, (await SendAsync(factory, "GET", "/healthz", localPort: MetricsPort)).Response.StatusCode);
    }

    [Fact]
    public async Task An_empty_path_turns_the_list_off_and_the_path_falls_to_the_registry_handler()
    {
        var factory = Start(environment: new Hashtable { ["Archeio__Egress__Path"] = "" });

        var context = await SendAsync(factory, "GET", "/egress");
        Assert.Equal(404, context.Response.StatusCode);
        Assert.Equal("text/plain; charset=utf-8", context.Response.ContentType);
        Assert.Equal(404, (await SendAsync(factory, "GET", "/egress", localPort: MetricsPort)).Response.StatusCode);
    }

    [Fact]
    public async Task A_custom_path_serves_it_there_and_only_there()
    {
        var factory = Start(environment: new Hashtable { ["Archeio__Egress__Path"] = "/.well-known/archeio-egress/" });

        Assert.Equal(200, (await SendAsync(factory, "GET", "/.well-known/archeio-egress")).Response.StatusCode);
        Assert.Equal(200, (await SendAsync(factory, "GET", "/.well-known/archeio-egress", localPort: MetricsPort)).Response.StatusCode);
        Assert.Equal(404, (await SendAsync(factory, "GET", "/egress")).Response.StatusCode);
    }

    [Theory]
    [InlineData("/EGRESS")]
    [InlineData("/egress/x")]
    [InlineData("/egressx")]
    public async Task Only_the_exact_path_is_the_list(string path)
        => Assert.Equal(404, (await SendAsync(Start(), "GET", path)).Response.StatusCode);

    private ArcheioFactory Start(JsonObject? archeio = null, Hashtable? environment = null)
    {
        var config = new TempConfig(archeio ?? EgressExample.WithoutProbes());
        _owned.Add(config);
        environment ??= [];
        environment["Archeio__Metrics__Port"] = MetricsPort.ToString(CultureInfo.InvariantCulture);
        var factory = new ArcheioFactory(config.Path, environment);
        _owned.Add(factory);
        return factory;
    }

    private static Task<HttpContext> SendAsync(
        ArcheioFactory factory, string method, string pathAndQuery, IPAddress? peer = null, int? localPort = null, params (string Name, string Value)[] headers)
        => EgressExample.SendAsync(factory, method, pathAndQuery, peer, localPort, headers);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString() ?? "(null)")];
}
