using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Archeio.Oci.Auth;
using Archeio.Oci.Errors;
using Archeio.TestBed;
using Geranos.Source;
using Geranos.Source.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Geranos.Tests.Source;

/// <summary>
/// <see cref="RegistryClient"/> against scripted registries: tag pages, the bearer token flow
/// (https://distribution.github.io/distribution/spec/auth/token/), basic auth, retries.
/// </summary>
public sealed class RegistryClientFakeTests : IDisposable
{
    private readonly SocketsHttpHandler _http = new() { UseProxy = false };

    [Fact]
    public async Task ListTags_follows_Link_next_and_lists_each_tag_once()
    {
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            var last = context.Request.Query["last"].ToString();
            var (tags, next) = last switch
            {
                "" => ("\"a\",\"b\"", "</v2/r/tags/list?last=b&n=2>; rel=\"next\""),
                "b" => ("\"b\",\"c\"", "</v2/r/tags/list?last=c&n=2>; rel=\"next\""),
                _ => ("\"d\",\"e\"", null),
            };
            if (next is not null)
            {
                context.Response.Headers.Link = next;
            }

            context.Response.ContentType = "application/json";
            return context.Response.WriteAsync("{\"name\":\"r\",\"tags\":[" + tags + "]}");
        });

        var tags = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListTagsAsync("r", pageSize: 2);

        Assert.Equal(["a", "b", "c", "d", "e"], tags);
        Assert.Equal(["GET /v2/r/tags/list?n=2", "GET /v2/r/tags/list?last=b&n=2", "GET /v2/r/tags/list?last=c&n=2"], registry.Requests);
    }

    [Fact]
    public async Task Bearer_token_is_fetched_once_and_reused_until_it_expires()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var issued = 0;
        await using var registry = await FakeSourceRegistry.StartAsync(context => TokenProtected(context, () => "t" + Interlocked.Increment(ref issued), expectedBasic: null));
        var client = new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, time: time));

        Assert.Equal(["x"], await client.ListTagsAsync("r"));
        Assert.Equal(["x"], await client.ListTagsAsync("r"));
        time.Advance(TimeSpan.FromSeconds(301));
        Assert.Equal(["x"], await client.ListTagsAsync("r"));

        Assert.Equal(2, issued);
        Assert.Equal(
            [
                "GET /v2/r/tags/list", "GET /token?service=fake&scope=repository%3Ar%3Apull", "GET /v2/r/tags/list",
                "GET /v2/r/tags/list",
                "GET /v2/r/tags/list", "GET /token?service=fake&scope=repository%3Ar%3Apull", "GET /v2/r/tags/list",
            ],
            registry.Requests);
    }

    [Fact]
    public async Task Basic_credentials_go_to_the_token_realm()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("alice:secret"));
        await using var registry = await FakeSourceRegistry.StartAsync(context => TokenProtected(context, () => "t", expected));

        var anonymous = await Assert.ThrowsAsync<RegistryException>(() => new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).ListTagsAsync("r"));
        var tags = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, new RegistryCredentials("alice", "secret"))).ListTagsAsync("r");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(["x"], tags);
    }

    [Fact]
    public async Task Basic_challenge_is_answered_with_the_credentials()
    {
        var expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("bob:pw"));
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            if (context.Request.Headers.Authorization != expected)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"fake\"";
                return Task.CompletedTask;
            }

            return context.Response.WriteAsync("{\"tags\":[\"x\"]}");
        });

        var tags = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, new RegistryCredentials("bob", "pw"))).ListTagsAsync("r");

        Assert.Equal(["x"], tags);
    }

    [Fact]
    public async Task Retries_503_with_backoff_and_Retry_After_on_the_TimeProvider()
    {
        var time = new WaitingTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var attempts = new List<DateTimeOffset>();
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            lock (attempts)
            {
                attempts.Add(time.GetUtcNow());
                switch (attempts.Count)
                {
                    case 1:
                        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                        return Task.CompletedTask;
                    case 2:
                        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                        context.Response.Headers.RetryAfter = "1";
                        return Task.CompletedTask;
                    default:
                        return context.Response.WriteAsync("{\"tags\":[\"x\"]}");
                }
            }
        });
        var client = new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, retry: new RetryPolicy(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(30)), time: time));

        var tags = await time.RunAsync(client.ListTagsAsync("r"));

        Assert.Equal(["x"], tags);
        Assert.Equal(3, attempts.Count);
        Assert.Equal(3, client.RequestCount);
        var backoff = attempts[1] - attempts[0];
        var retryAfter = attempts[2] - attempts[1];

        // The clock moved only while the client waited, by what it waited: the backoff with equal jitter on the
        // 200 ms base, in [100 ms, 200 ms), then the registry's Retry-After of 1 s exactly.
        Assert.Equal([backoff, retryAfter], time.Waits);
        Assert.InRange(backoff, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200) - TimeSpan.FromTicks(1));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);
    }

    [Fact]
    public async Task Gives_up_after_the_bounded_attempts()
    {
        var time = new WaitingTimeProvider();
        await using var registry = await FakeSourceRegistry.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
            return Task.CompletedTask;
        });
        var client = new RegistryClient(registry.BaseUri, new RegistryPipeline(_http, retry: new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), time: time));

        var error = await Assert.ThrowsAsync<RegistryException>(() => time.RunAsync(client.ListTagsAsync("r")));

        Assert.Equal(HttpStatusCode.TooManyRequests, error.StatusCode);
        Assert.Equal(3, registry.Requests.Count);
        Assert.Equal(2, time.Waits.Count);
    }

    [Fact]
    public async Task Blob_follows_a_redirect_to_storage()
    {
        var content = Encoding.UTF8.GetBytes("blob bytes");
        var digest = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(content));
        await using var registry = await FakeSourceRegistry.StartAsync(async context =>
        {
            if (context.Request.Path.StartsWithSegments("/storage", StringComparison.Ordinal))
            {
                await context.Response.Body.WriteAsync(content);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status307TemporaryRedirect;
            context.Response.Headers.Location = "/storage/" + digest + "?signature=x";
        });

        await using var stream = await new RegistryClient(registry.BaseUri, new RegistryPipeline(_http)).OpenBlobAsync("r", digest);
        using var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(content, copy.ToArray());
        Assert.Equal(["GET /v2/r/blobs/" + digest, "GET /storage/" + digest + "?signature=x"], registry.Requests);
    }

    [Fact]
    public async Task Connection_errors_are_retried_then_surface()
    {
        var time = new WaitingTimeProvider();
        var closed = new Uri("http://127.0.0.1:" + LoopbackPorts.Free().ToString(CultureInfo.InvariantCulture));
        var client = new RegistryClient(closed, new RegistryPipeline(_http, retry: new RetryPolicy(4, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1)), time: time));

        await Assert.ThrowsAsync<HttpRequestException>(() => time.RunAsync(client.ListTagsAsync("r")));

        Assert.Equal(4, client.RequestCount);
        Assert.Equal(3, time.Waits.Count);
    }

    public void Dispose() => _http.Dispose();

    /// <summary>A registry that wants a token it issued at <c>/token</c>; the token realm wants <paramref name="expectedBasic"/> if set.</summary>
    private static Task TokenProtected(HttpContext context, Func<string> issue, string? expectedBasic)
    {
        if (context.Request.Path == "/token")
        {
            if (expectedBasic is not null && context.Request.Headers.Authorization != expectedBasic)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                return Task.CompletedTask;
            }

            var token = issue();
            return context.Response.WriteAsync("{\"token\":\"" + token + "\",\"expires_in\":300}");
        }

        var authorization = context.Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer t", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"http://{context.Request.Host}/token\",service=\"fake\",scope=\"repository:r:pull\"";
            return Task.CompletedTask;
        }

        return context.Response.WriteAsync("{\"tags\":[\"x\"]}");
    }
}
