using System.Collections;
using System.Text.Json.Nodes;
using Archeio.Hosting;
using Archeio.TestBed;
using Archeio.Tests.Blobs.Probes;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Archeio.Tests.Upstreams;

namespace Archeio.Tests.Hosting;

/// <summary><c>archeio explain</c>, run in-process with the server's configuration sources.</summary>
public sealed class ExplainCommandTests
{
    private static readonly Hashtable RangesDir = new() { ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory };

    [Fact]
    public async Task Explains_an_AWS_client_with_the_default_profile()
    {
        var (code, output, _) = await RunAsync(RangesDir, "explain", "35.180.1.1", "/v2/pause/blobs/" + Digests.Pause);

        Assert.Equal(0, code);
        Assert.Contains("cloud: AWS, region: eu-west-3", output, StringComparison.Ordinal);
        Assert.Matches(@"rule \d+ fits \(Match Cloud=AWS Regions=eu-west-3\)", output);
        Assert.Contains("1. aws-eu-west-3: https://prod-registry-k8s-io-eu-west-3.s3.dualstack.eu-west-3.amazonaws.com/containers/images/" + Digests.Pause, output, StringComparison.Ordinal);
        Assert.Contains("else https://us-central1-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/blobs/" + Digests.Pause, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("35.220.26.1", "cloud: GCP", "rule 0 fits (Match Cloud=GCP)")]
    [InlineData("192.168.0.1", "cloud: none", "fits (matches every client)")]
    [InlineData("::ffff:35.180.1.1", "region: eu-west-3", "Regions=eu-west-3")]
    public async Task Explains_clients_in_other_places(string ip, string facts, string rule)
    {
        var (code, output, _) = await RunAsync(RangesDir, "explain", ip);

        Assert.Equal(0, code);
        Assert.Contains(facts, output, StringComparison.Ordinal);
        Assert.Contains(rule, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explains_country_continent_and_ASN_with_the_databases()
    {
        var environment = new Hashtable
        {
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
            ["Archeio__Geo__CountryDatabase"] = Geo.GeoDatabases.CountryMmdb,
            ["Archeio__Geo__AsnDatabase"] = Geo.GeoDatabases.AsnIPv4Csv,
        };

        var (code, output, _) = await RunAsync(environment, "explain", "193.0.6.139");

        Assert.Equal(0, code);
        Assert.Contains("country: NL, continent: EU", output, StringComparison.Ordinal);
        Assert.Contains("asn: AS3333", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explains_non_blob_requests_with_their_redirect()
    {
        var (code, output, _) = await RunAsync(RangesDir, "explain", "35.180.1.1", "/v2/pause/tags/list?n=2");

        Assert.Equal(0, code);
        Assert.Contains("redirect: 307 https://us-central1-docker.pkg.dev/v2/k8s-artifacts-prod/images/pause/tags/list?n=2", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Works_offline_and_says_which_ranges_it_could_not_load()
    {
        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "35.180.1.1");

        Assert.Equal(0, code);
        Assert.Contains("note: AWS ranges not loaded (https://ip-ranges.amazonaws.com/ip-ranges.json is a URL; --check fetches it)", output, StringComparison.Ordinal);
        Assert.Contains("cloud: none", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_heads_the_candidates_and_shows_the_final_redirect()
    {
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digests.Pause);
        using var config = MirrorConfig(
            new JsonArray(
                new JsonObject { ["Name"] = "empty", ["BlobUrl"] = mirror.BaseUrl + "/elsewhere/{digest}" },
                new JsonObject { ["Name"] = "full", ["BlobUrl"] = mirror.BlobUrlTemplate }),
            new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("empty", "full") }));

        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "203.0.113.9", "/v2/pause/blobs/" + Digests.Pause, "--config", config.Path, "--check");

        Assert.Equal(0, code);
        Assert.Contains("HEAD empty: absent or unreachable", output, StringComparison.Ordinal);
        Assert.Contains("HEAD full: present", output, StringComparison.Ordinal);
        Assert.Contains("redirect: 307 " + mirror.BaseUrl + "/containers/images/" + Digests.Pause, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Explains_a_proxying_rule_with_the_sources_the_content_is_fetched_from()
    {
        await using var mirror = await LoopbackMirror.StartAsync();
        mirror.Add(Digests.Pause);
        using var config = MirrorConfig(
            new JsonArray(new JsonObject { ["Name"] = "full", ["BlobUrl"] = mirror.BlobUrlTemplate }),
            new JsonArray(new JsonObject
            {
                ["Match"] = new JsonObject { ["Networks"] = new JsonArray("10.0.0.0/8") },
                ["Mirrors"] = new JsonArray("full"),
                ["Action"] = "Proxy",
            }));

        var (offline, listed, _) = await RunAsync(new Hashtable(), "explain", "10.1.2.3", "/v2/pause/blobs/" + Digests.Pause, "--config", config.Path);
        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "10.1.2.3", "/v2/pause/blobs/" + Digests.Pause, "--config", config.Path, "--check");
        var (_, outside, _) = await RunAsync(new Hashtable(), "explain", "192.0.2.1", "/v2/pause/manifests/v1", "--config", config.Path);

        Assert.Equal((0, 0), (offline, code));
        Assert.Contains("rule 0 fits (Match Networks=10.0.0.0/8; proxies: Archeio fetches the content)", listed, StringComparison.Ordinal);
        Assert.Contains("proxy: from the first candidate that holds the blob, else from https://upstream.example/v2/pause/blobs/" + Digests.Pause, listed, StringComparison.Ordinal);
        Assert.Contains(
            $"proxy: the content from {mirror.BaseUrl}/containers/images/{Digests.Pause} (mirror:full), else https://upstream.example/v2/pause/blobs/{Digests.Pause} (upstream:default)",
            output,
            StringComparison.Ordinal);
        Assert.Contains("redirect: 307 https://upstream.example/v2/pause/manifests/v1", outside, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_probes_the_candidate_mirrors_and_a_failing_one_is_out_of_rotation_for_the_answer()
    {
        // Both hold the blob (the same content); the first refuses ranges, as the CDN of August 2026 did.
        await using var broken = await ProbeTarget.StartAsync(3000);
        await using var good = await ProbeTarget.StartAsync(3000);
        broken.Mode = TargetMode.RangeRefused;
        using var config = MirrorConfig(
            new JsonArray(
                new JsonObject { ["Name"] = "cdn", ["BlobUrl"] = broken.BlobUrlTemplate, ["Probe"] = broken.Digest },
                new JsonObject { ["Name"] = "bucket", ["BlobUrl"] = good.BlobUrlTemplate, ["Probe"] = good.Digest },
                new JsonObject { ["Name"] = "unprobed", ["BlobUrl"] = "https://unprobed.example/{digest}" }),
            new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("cdn", "bucket", "unprobed") }));

        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "203.0.113.9", "/v2/pause/blobs/" + good.Digest, "--config", config.Path, "--check");

        Assert.Equal(0, code);
        Assert.Contains($"cdn ({broken.Digest}): FAIL, out of rotation (range: GET with Range: bytes=0-1023 answered 400)", output, StringComparison.Ordinal);
        Assert.Contains("    range: FAIL (GET with Range: bytes=0-1023 answered 400)", output, StringComparison.Ordinal);
        Assert.Matches($@"bucket \({good.Digest}\): pass, \d+ ms", output);
        Assert.Contains("    content: pass (200, 3000 bytes, digest matches)", output, StringComparison.Ordinal);
        Assert.Contains("unprobed: no probe (Mirrors:2:Probe is not set)", output, StringComparison.Ordinal);
        Assert.Contains("known cdn: absent", output, StringComparison.Ordinal);
        Assert.Contains("redirect: 307 " + good.BlobUrlTemplate.Replace("{digest}", good.Digest, StringComparison.Ordinal), output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_probes_the_rule_s_upstreams_and_a_failing_one_is_skipped_for_the_answer()
    {
        await using var first = await ProbedRegistry.StartAsync();
        await using var second = await ProbedRegistry.StartAsync();
        first.ApiStatus = 503;
        second.ApiStatus = 401;
        using var config = FailoverConfig(first, second);

        var (offline, listed, _) = await RunAsync(new Hashtable(), "explain", "203.0.113.9", "/v2/pause/manifests/v1", "--config", config.Path);
        var probedOffline = first.Requests.Count + second.Requests.Count;
        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "203.0.113.9", "/v2/pause/manifests/v1", "--config", config.Path, "--check");

        Assert.Equal((0, 0), (offline, code));
        Assert.Contains("upstreams, the first healthy one is used:\n  1. default: " + first.Endpoint + "/v2/\n  2. second: " + second.Endpoint + "/v2/mirror/", listed.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("(assumed healthy; run with --check to probe them)", listed, StringComparison.Ordinal);
        Assert.Contains("redirect: 307 " + first.Endpoint + "/v2/pause/manifests/v1", listed, StringComparison.Ordinal);
        Assert.Equal(0, probedOffline);
        Assert.Contains("the server ejects after 3 failures in a row; here one counts", output, StringComparison.Ordinal);
        Assert.Contains("default: FAIL, ejected (GET /v2/ answered 503)", output, StringComparison.Ordinal);
        Assert.Matches(@"second: pass, \d+ ms \(GET /v2/ answered 401\)", output);
        Assert.Contains("redirect: 307 " + second.Endpoint + "/v2/mirror/pause/manifests/v1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_with_every_upstream_failing_says_the_first_is_used()
    {
        await using var first = await ProbedRegistry.StartAsync();
        await using var second = await ProbedRegistry.StartAsync();
        first.ApiStatus = second.ApiStatus = 500;
        using var config = FailoverConfig(first, second);

        var (code, output, _) = await RunAsync(new Hashtable(), "explain", "203.0.113.9", "/v2/pause/blobs/" + Digests.Pause, "--config", config.Path, "--check");

        Assert.Equal(0, code);
        Assert.Contains("every upstream failed: the first, default, is used (fail static)", output, StringComparison.Ordinal);
        Assert.Contains("redirect: 307 " + first.Endpoint + "/v2/pause/blobs/" + Digests.Pause, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-an-ip", null, "is not an IP address")]
    [InlineData("35.180.1", null, "is not an IP address")]
    [InlineData("35.180.1.1", "/v2/../etc/blobs/x", "is not a valid API path")]
    public async Task Invalid_input_exits_non_zero_with_a_clear_message(string ip, string? path, string message)
    {
        var (code, _, error) = await RunAsync(RangesDir, path is null ? ["explain", ip] : ["explain", ip, path]);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    /// <summary>A configuration with <c>https://upstream.example</c> as the upstream and the given mirrors and rules.</summary>
    private static TempConfig MirrorConfig(JsonArray mirrors, JsonArray rules) => new(new JsonObject
    {
        ["InfoUrl"] = "https://info.example/",
        ["PrivacyUrl"] = "https://info.example/privacy",
        ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
        ["Mirrors"] = mirrors,
        ["Rules"] = rules,
    });

    private static TempConfig FailoverConfig(ProbedRegistry first, ProbedRegistry second) => new(new JsonObject
    {
        ["InfoUrl"] = "https://info.example/",
        ["PrivacyUrl"] = "https://info.example/privacy",
        ["Upstream"] = new JsonObject { ["Endpoint"] = first.Endpoint },
        ["Upstreams"] = new JsonArray(new JsonObject { ["Name"] = "second", ["Endpoint"] = second.Endpoint, ["Path"] = "mirror" }),
        ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Upstreams"] = new JsonArray("default", "second") }),
    });

    private static async Task<(int Code, string Output, string Error)> RunAsync(IDictionary environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ExplainCommand.RunAsync(CommandLine.Parse(args), environment, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
