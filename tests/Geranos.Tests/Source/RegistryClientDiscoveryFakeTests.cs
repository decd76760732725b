using System.Net;
using Archeio.Oci.Auth;
using Archeio.Oci.Errors;
using Archeio.Oci.MediaTypes;
using Geranos.Source;
using Geranos.Source.Http;
using Microsoft.AspNetCore.Http;

namespace Geranos.Tests.Source;

/// <summary>
/// <see cref="RegistryClient"/>'s discovery calls against scripted registries: the catalog
/// (https://distribution.github.io/distribution/spec/api/#catalog) with pages, a prefix and the ways registries
/// refuse it; <c>HEAD</c> resolution; the referrers API
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers).
/// </summary>
public sealed class RegistryClientDiscoveryFakeTests : IDisposable
{
    private const string DigestA = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private const string DigestB = "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private const string DigestC = "sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc";
    private const string Subject = "sha256:5555555555555555555555555555555555555555555555555555555555555555";

    private readonly SocketsHttpHandler _http = new() { UseProxy = false };

    [Fact]
    public async Task Catalog_follows_Link_next_strips_the_prefix_and_skips_other_namespaces()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            var (repositories, next) = context.Request.Query["last"].ToString() switch
            {
                "" => ("\"other/x\",\"project\",\"project/app\"", "</v2/_catalog?last=project%2Fapp&n=3>; rel=\"next\""),
                "project/app" => ("\"project/app\",\"project/team/db\",\"projectile/y\"", "</v2/_catalog?last=projectile%2Fy&n=3>; rel=\"next\""),
                _ => ("\"zeta\"", null),
            };
            if (next is not null)
            {
                context.Response.Headers.Link = next;
            }

            return context.Response.WriteAsync("{\"repositories\":[" + repositories + "]}");
        });

        var repositories = await new RegistryClient(new Uri(registry.BaseUri, "/project"), new RegistryPipeline(_http)).ListRepositoriesAsync(pageSize: 3);

        Assert.Equal(["app", "team/db"], repositories);
        Assert.Equal(["GET /v2/_catalog?n=3", "GET /v2/_catalog?last=project%2Fapp&n=3", "GET /v2/_catalog?last=projectile%2Fy&n=3"], registry.Requests);
    }

    [Fact]
    public async Task Catalog_without_a_prefix_lists_everything()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => context.Response.WriteAsync("{\"repositories\":[\"a\",\"b/c\"]}"));

        Assert.Equal(["a", "b/c"], await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListRepositoriesAsync());
        Assert.Equal(["GET /v2/_catalog"], registry.Requests);
    }

    [Fact]
    public async Task Catalog_asks_for_a_registry_catalog_token()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            if (context.Request.Path == "/token")
            {
                return context.Response.WriteAsync("{\"token\":\"catalog-token\"}");
            }

            if (context.Request.Headers.Authorization != "Bearer catalog-token")
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{context.Request.Host}/token\",service=\"fake\",scope=\"registry:catalog:*\"";
                return Task.CompletedTask;
            }

            return context.Response.WriteAsync("{\"repositories\":[\"a\"]}");
        });

        var repositories = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListRepositoriesAsync();

        Assert.Equal(["a"], repositories);
        Assert.Equal(["GET /v2/_catalog", "GET /token?service=fake&scope=registry%3Acatalog%3A%2A", "GET /v2/_catalog"], registry.Requests);
    }

    [Theory]
    [InlineData(404, null, null)]
    [InlineData(405, null, null)]
    [InlineData(403, "DENIED", null)]
    [InlineData(401, "UNAUTHORIZED", "Basic realm=\"fake\"")]
    [InlineData(400, "UNSUPPORTED", null)]
    public async Task Catalog_that_is_not_offered_gives_null(int status, string? code, string? challenge)
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => Error(context, status, code, challenge));

        var repositories = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, new RegistryCredentials("u", "p"))).ListRepositoriesAsync();

        Assert.Null(repositories);
    }

    [Theory]
    [InlineData(400, "PAGINATION_NUMBER_INVALID")]
    [InlineData(500, null)]
    public async Task Catalog_errors_that_are_not_refusals_throw(int status, string? code)
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => Error(context, status, code, null));
        var client = new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, retry: new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero)));

        var error = await Assert.ThrowsAsync<RegistryException>(() => client.ListRepositoriesAsync());

        Assert.Equal((HttpStatusCode)status, error.StatusCode);
        Assert.Equal(code, error.ErrorCode);
    }

    [Fact]
    public async Task Catalog_refused_on_a_later_page_throws()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            if (context.Request.Query.ContainsKey("last"))
            {
                return Error(context, 404, "NAME_UNKNOWN", null);
            }

            context.Response.Headers.Link = "</v2/_catalog?last=a&n=1>; rel=\"next\"";
            return context.Response.WriteAsync("{\"repositories\":[\"a\"]}");
        });

        var error = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListRepositoriesAsync(1));

        Assert.Equal(HttpStatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("v1", DigestA)]
    [InlineData(DigestB, DigestB)]
    [InlineData("no-header", null)]
    public async Task Resolve_reads_Docker_Content_Digest_from_a_HEAD(string reference, string? expected)
    {
        var accepts = new List<string>();
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            lock (accepts)
            {
                accepts.Add(context.Request.Headers.Accept.ToString());
            }

            context.Response.ContentType = ManifestMediaTypes.OciManifest;
            context.Response.ContentLength = 123;
            var digest = context.Request.Path.Value switch
            {
                "/v2/r/manifests/v1" => DigestA,
                "/v2/r/manifests/" + DigestB => DigestB,
                _ => null,
            };
            if (digest is not null)
            {
                context.Response.Headers["Docker-Content-Digest"] = digest;
            }

            return Task.CompletedTask;
        });

        var resolved = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ResolveAsync("r", reference);

        Assert.Equal(expected, resolved);
        Assert.Equal(["HEAD /v2/r/manifests/" + reference], registry.Requests);
        Assert.All(ManifestMediaTypes.All, type => Assert.Contains(type, Assert.Single(accepts), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resolve_and_GetManifest_of_a_missing_tag_throw_404()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => Error(context, 404, "MANIFEST_UNKNOWN", null));
        var client = new RegistryClient(registry.BaseUri, new RegistryPipeline(_http));

        var head = await Assert.ThrowsAsync<RegistryException>(() => client.ResolveAsync("r", "gone"));
        var get = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("r", "gone"));

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Null(head.ErrorCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", get.ErrorCode);
        Assert.Contains("MANIFEST_UNKNOWN: not here", get.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Referrers_lists_the_manifests_of_every_index_page()
    {
        string? accept = null;
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            accept ??= context.Request.Headers.Accept.ToString();
            context.Response.ContentType = ManifestMediaTypes.OciIndex;
            if (context.Request.Query.ContainsKey("page"))
            {
                return context.Response.WriteAsync(Index(DigestB, DigestC));
            }

            context.Response.Headers.Link = $"</v2/p/r/referrers/{Subject}?page=2>; rel=\"next\"";
            return context.Response.WriteAsync(Index(DigestA, DigestB));
        });

        var referrers = await new RegistryClient(new Uri(registry.BaseUri, "/p"), new RegistryPipeline(_http)).ListReferrersAsync("r", Subject);

        Assert.Equal([DigestA, DigestB, DigestC], referrers);
        Assert.Equal([$"GET /v2/p/r/referrers/{Subject}", $"GET /v2/p/r/referrers/{Subject}?page=2"], registry.Requests);
        Assert.Equal(ManifestMediaTypes.OciIndex, accept);
    }

    [Fact]
    public async Task Referrers_of_a_subject_without_any_is_an_empty_list_not_null()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => context.Response.WriteAsync(Index()));

        var referrers = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListReferrersAsync("r", Subject);

        Assert.NotNull(referrers);
        Assert.Empty(referrers);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("NAME_UNKNOWN")]
    public async Task Referrers_404_means_the_API_is_not_offered(string? code)
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => Error(context, 404, code, null));

        Assert.Null(await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListReferrersAsync("r", Subject));
    }

    [Fact]
    public async Task Referrers_other_errors_throw()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context => Error(context, 403, "DENIED", null));

        var error = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListReferrersAsync("r", Subject));

        Assert.Equal(HttpStatusCode.Forbidden, error.StatusCode);
        Assert.Equal("DENIED", error.ErrorCode);
    }

    public void Dispose() => _http.Dispose();

    private static string Index(params string[] digests)
        => $$"""{"schemaVersion":2,"mediaType":"{{ManifestMediaTypes.OciIndex}}","manifests":[{{string.Join(',', digests.Select(d => $$"""{"mediaType":"{{ManifestMediaTypes.OciManifest}}","digest":"{{d}}","size":1,"artifactType":"application/example"}"""))}}]}""";

    /// <summary>An error response in the distribution spec's shape (a bare status when <paramref name="code"/> is null).</summary>
    private static Task Error(HttpContext context, int status, string? code, string? challenge)
    {
        context.Response.StatusCode = status;
        if (challenge is not null)
        {
            context.Response.Headers.WWWAuthenticate = challenge;
        }

        return code is null
            ? Task.CompletedTask
            : context.Response.WriteAsync($$"""{"errors":[{"code":"{{code}}","message":"not here","detail":null}]}""");
    }
}
