using System.Net;
using System.Web;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Table;
using Archeio.Routing;
using Archeio.Signing;
using Archeio.Tests.Support;
using Archeio.Upstreams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Signing;

/// <summary>
/// Where signing is applied: a signed mirror's redirect, signed for the client's method and at the moment it is handed
/// out (a cached presence answer outlives any one signature); a proxied answer's source; the check's HEAD. Unsigned
/// mirrors and upstreams are left as they are.
/// </summary>
public sealed class MirrorSignersTests : IDisposable
{
    private const string Digest = "sha256:da86e6ba6ca197bf6bc5e9d900febd906b133eaa4750e6bed647b0fbe50ed43e";
    private const string KeyIdVariable = "ARCHEIO_TEST_SIGNERS_KEY_ID";
    private const string SecretVariable = "ARCHEIO_TEST_SIGNERS_SECRET";

    private static readonly MirrorSettings Private = new(
        "private", "https://bucket.s3.example/containers/images/{digest}", 0,
        Signing: new S3Signing(TimeSpan.FromMinutes(10), "us-east-1", "s3", KeyIdVariable, SecretVariable, null));

    private static readonly MirrorSettings Public = new("public", "https://public.example/{digest}", 1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 2, 0, 0, TimeSpan.Zero));
    private readonly GeoLookup _geo = new(GeoSettings.None, NullLogger<GeoLookup>.Instance);

    public MirrorSignersTests()
    {
        Environment.SetEnvironmentVariable(KeyIdVariable, "AKIDEXAMPLE");
        Environment.SetEnvironmentVariable(SecretVariable, "secret");
    }

    public void Dispose() => _geo.Dispose();

    [Theory]
    [InlineData("GET")]
    [InlineData("HEAD")]
    public async Task A_signed_mirrors_redirect_is_signed_now_for_the_clients_method_while_its_presence_stays_cached(string method)
    {
        var blobs = new CountingPresence { Present = { Private.Name } };
        var routing = Routing(Settings(Private), blobs);

        var first = await RedirectAsync(routing, method);
        _time.Advance(TimeSpan.FromMinutes(11));
        var later = await RedirectAsync(routing, method);

        Assert.StartsWith("https://bucket.s3.example/containers/images/sha256%3A", first.Location, StringComparison.Ordinal);
        Assert.Equal("20261206T020000Z", Query(first)["X-Amz-Date"]);
        Assert.Equal("20261206T021100Z", Query(later)["X-Amz-Date"]);
        Assert.Equal(1, blobs.Asked);
        var other = await RedirectAsync(routing, method == "GET" ? "HEAD" : "GET");
        Assert.NotEqual(Query(later)["X-Amz-Signature"], Query(other)["X-Amz-Signature"]);
    }

    [Fact]
    public async Task Unsigned_mirrors_and_upstream_fallbacks_are_handed_out_as_they_are()
    {
        var routing = Routing(Settings(Private, Public), new CountingPresence { Present = { Public.Name } });

        Assert.Equal("https://public.example/" + Digest, (await RedirectAsync(routing, "GET")).Location);

        var none = Routing(Settings(Private), new CountingPresence());
        Assert.Equal("https://registry.example/v2/project/images/pause/blobs/" + Digest, (await RedirectAsync(none, "GET")).Location);
    }

    [Fact]
    public async Task A_proxying_rules_source_at_a_signed_mirror_is_fetched_with_a_signed_URL()
    {
        var settings = Settings(Private) with { Rules = [new RuleSettings(null, [], [Private]) { Action = RuleAction.Proxy }] };
        var routing = Routing(settings, new CountingPresence { Present = { Private.Name } });

        var routed = await routing.RouteAsync("GET", "/v2/pause/blobs/" + Digest, IPAddress.Parse("192.0.2.1"), default, CancellationToken.None);

        var proxy = Assert.IsType<Proxy>(routed.Decision);
        Assert.Contains("X-Amz-Signature=", proxy.Sources[0].Url, StringComparison.Ordinal);
        Assert.Equal(proxy.Via.Location, proxy.Sources[0].Url);
        Assert.DoesNotContain("X-Amz-", proxy.Sources[1].Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_checks_HEAD_of_a_signed_mirror_is_signed_for_HEAD()
    {
        var settings = Settings(Private);
        var handler = new RecordingHandler();
        using var checker = new BlobChecker(
            new StubHttpClientFactory(handler), settings, new MirrorInventories(), NullBlobResultStore.Instance, new BlobCheckCounters(), _time,
            NullLogger<BlobChecker>.Instance, signers: new MirrorSigners(settings, _time, NullLoggerFactory.Instance));

        Assert.True(await checker.ExistsAsync(Private, "pause", Digest, default));

        var head = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Head, head.Method);
        var expected = new S3Presigner((S3Signing)Private.Signing!, S3Credentials.For((S3Signing)Private.Signing!), _time).Sign(Private.UrlFor("pause", Digest), HttpMethod.Head);
        Assert.Equal(expected, head.Uri.AbsoluteUri);
    }

    private static ArcheioSettings Settings(params MirrorSettings[] mirrors)
        => TestSettings.Create(mirrors: [.. mirrors], rules: [new RuleSettings(null, [], [.. mirrors])]);

    private RequestRouter Routing(ArcheioSettings settings, IBlobPresence blobs)
        => new(new Router(settings), new ClientIpResolver(settings.ClientIp), new IpRangeTableHolder(), _geo, blobs,
            new UpstreamHealthBoard(settings, _time), settings, _time, new MirrorSigners(settings, _time, NullLoggerFactory.Instance));

    private static async Task<Redirect> RedirectAsync(RequestRouter routing, string method)
    {
        var routed = await routing.RouteAsync(method, "/v2/pause/blobs/" + Digest, IPAddress.Parse("192.0.2.1"), default, CancellationToken.None);
        return Assert.IsType<Redirect>(routed.Decision);
    }

    private static System.Collections.Specialized.NameValueCollection Query(Redirect redirect) => HttpUtility.ParseQueryString(new Uri(redirect.Location).Query);

    /// <summary>Present for the named mirrors, known after the first ask (as the cache would have it).</summary>
    private sealed class CountingPresence : IBlobPresence
    {
        private readonly Dictionary<string, bool> _known = [];

        public HashSet<string> Present { get; } = [];

        public int Asked { get; private set; }

        public ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget)
        {
            Asked++;
            return ValueTask.FromResult(_known[mirror.Name] = Present.Contains(mirror.Name));
        }

        public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present) => _known.TryGetValue(mirror.Name, out present);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<(HttpMethod Method, Uri Uri)> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add((request.Method, request.RequestUri!));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
