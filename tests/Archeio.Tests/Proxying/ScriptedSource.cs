using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Proxying;

/// <summary>
/// A real loopback server that is, at once, an object-storage mirror (<c>/m/&lt;digest&gt;</c>), a registry
/// (<c>/v2/…</c>, optionally behind an anonymous Bearer challenge from <c>/token</c>, blob GETs redirected to its storage)
/// and that storage (<c>/storage/&lt;digest&gt;</c>): everything a proxied request may be fetched from, with the faults
/// a test names (a status, a hang, lying bytes, a body cut off, a stall mid-body). Records every request.
/// </summary>
internal sealed class ScriptedSource : IAsyncDisposable
{
    public const string ManifestType = "application/vnd.oci.image.manifest.v1+json";

    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SourceRequest> _requests = new();
    private LoopbackServer _server = null!;
    private int _tokens;

    public string BaseUrl => _server.BaseUrl;

    /// <summary>The mirror's <c>BlobUrl</c> (and <c>ManifestUrl</c>) template.</summary>
    public string MirrorTemplate => BaseUrl + "/m/{digest}";

    public IReadOnlyCollection<SourceRequest> Requests => _requests;

    public int TokensIssued => _tokens;

    /// <summary>Registry requests without the token get a Bearer challenge.</summary>
    public bool RequireToken { get; set; }

    /// <summary>Every request (but <c>/token</c>) is answered with this status and an OCI error body, when set.</summary>
    public int? Status { get; set; }

    /// <summary>Every request (but <c>/token</c>) waits for this before it is answered, when set.</summary>
    public Task? Hold { get; set; }

    /// <summary>Objects are served with their last byte flipped (a source that lies).</summary>
    public bool Lie { get; set; }

    /// <summary>Bodies stop after half their bytes, and the connection is dropped.</summary>
    public bool CutHalfway { get; set; }

    /// <summary>Bodies stop after half their bytes until this completes.</summary>
    public Task? StallHalfway { get; set; }

    /// <summary>The tags <c>tags/list</c> answers.</summary>
    public string[] Tags { get; set; } = ["v1", "v2"];

    public static async Task<ScriptedSource> StartAsync()
    {
        var source = new ScriptedSource();
        source._server = await LoopbackServer.StartAsync(source.HandleAsync);
        return source;
    }

    public string Add(byte[] content)
    {
        var digest = Archeio.Oci.Digests.Digest.Sha256(content);
        _objects[digest] = content;
        return digest;
    }

    public IReadOnlyList<SourceRequest> RequestsTo(string pathPrefix) => [.. _requests.Where(r => r.Path.StartsWith(pathPrefix, StringComparison.Ordinal))];

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        _requests.Enqueue(new SourceRequest(
            request.Method, path, request.Headers.Authorization.ToString(), request.Headers.Range.ToString(), request.Headers.Accept.ToString(),
            request.Headers.IfNoneMatch.ToString(), request.Headers.AcceptEncoding.ToString(), request.Headers.Cookie.ToString()));
        if (path == "/token")
        {
            Interlocked.Increment(ref _tokens);
            await WriteAsync(context, 200, "application/json", """{"token":"t0k3n","expires_in":300}"""u8.ToArray());
            return;
        }

        if (Hold is { } hold)
        {
            await hold.WaitAsync(context.RequestAborted);
        }

        if (Status is { } status)
        {
            await WriteAsync(context, status, "application/json", Encoding.UTF8.GetBytes($$"""{"errors":[{"code":"UNKNOWN","message":"scripted {{status}}"}]}"""));
            return;
        }

        if (path.StartsWith("/m/", StringComparison.Ordinal) || path.StartsWith("/storage/", StringComparison.Ordinal))
        {
            await ServeObjectAsync(context, path[(path.LastIndexOf('/') + 1)..]);
            return;
        }

        if (!path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (RequireToken && request.Headers.Authorization != "Bearer t0k3n")
        {
            var name = path.Length > 4 && path.IndexOf('/', 4) is var end and > 4 ? path[4..end] : "";
            context.Response.Headers.WWWAuthenticate = $"Bearer realm=\"{BaseUrl}/token\",service=\"scripted\",scope=\"repository:{name}:pull\"";
            await WriteAsync(context, 401, "application/json", """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"""u8.ToArray());
            return;
        }

        if (path == "/v2/")
        {
            await WriteAsync(context, 200, "application/json", "{}"u8.ToArray());
            return;
        }

        var blobs = path.IndexOf("/blobs/", StringComparison.Ordinal);
        if (blobs > 0)
        {
            var digest = path[(blobs + 7)..];
            if (!_objects.ContainsKey(digest))
            {
                await WriteAsync(context, 404, "application/json", """{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}"""u8.ToArray());
                return;
            }

            // As Distribution does with a storage backend that redirects: the blob is at the storage's URL.
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = BaseUrl + "/storage/" + digest;
            return;
        }

        var manifests = path.IndexOf("/manifests/", StringComparison.Ordinal);
        if (manifests > 0)
        {
            var reference = path[(manifests + 11)..];
            var digest = reference.StartsWith("sha256:", StringComparison.Ordinal) ? reference : _objects.Keys.Order(StringComparer.Ordinal).FirstOrDefault();
            if (digest is null || !_objects.ContainsKey(digest))
            {
                await WriteAsync(context, 404, "application/json", """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"""u8.ToArray());
                return;
            }

            context.Response.Headers["Docker-Content-Digest"] = digest;
            await ServeObjectAsync(context, digest, ManifestType);
            return;
        }

        if (path.EndsWith("/tags/list", StringComparison.Ordinal))
        {
            context.Response.Headers.Link = "</v2/x/tags/list?n=2&last=v2>; rel=\"next\"";
            var name = path[4..^10];
            await WriteAsync(context, 200, "application/json", Encoding.UTF8.GetBytes($$"""{"name":"{{name}}","tags":[{{string.Join(",", Tags.Select(t => "\"" + t + "\""))}}]}"""));
            return;
        }

        context.Response.StatusCode = 404;
    }

    private async Task ServeObjectAsync(HttpContext context, string digest, string contentType = "application/octet-stream")
    {
        if (!_objects.TryGetValue(digest, out var content))
        {
            context.Response.StatusCode = 404;
            return;
        }

        if (Lie)
        {
            content = [.. content];
            content[^1] ^= 0xFF;
        }

        var response = context.Response;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.ETag = "\"" + digest + "\"";
        if (context.Request.Headers.IfNoneMatch == "\"" + digest + "\"")
        {
            response.StatusCode = 304;
            return;
        }

        var (from, to) = (0L, content.Length - 1L);
        if (context.Request.Headers.Range.ToString() is { Length: > 6 } range && range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            var parts = range[6..].Split('-');
            from = long.Parse(parts[0], CultureInfo.InvariantCulture);
            to = parts[1].Length > 0 ? Math.Min(long.Parse(parts[1], CultureInfo.InvariantCulture), content.Length - 1) : content.Length - 1;
            if (from >= content.Length)
            {
                response.StatusCode = 416;
                response.Headers.ContentRange = $"bytes */{content.Length}";
                return;
            }

            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {from}-{to}/{content.Length}";
        }

        response.ContentType = contentType;
        var length = (int)(to - from + 1);
        response.ContentLength = length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var body = content.AsMemory((int)from, length);
        if (CutHalfway || StallHalfway is not null)
        {
            await response.Body.WriteAsync(body[..(length / 2)]);
            await response.Body.FlushAsync();
            if (StallHalfway is { } stall)
            {
                await stall.WaitAsync(context.RequestAborted);
            }
            else
            {
                context.Abort();
                return;
            }

            body = body[(length / 2)..];
        }

        await response.Body.WriteAsync(body);
    }

    private static async Task WriteAsync(HttpContext context, int status, string type, byte[] body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = type;
        context.Response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await context.Response.Body.WriteAsync(body);
        }
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>One request a <see cref="ScriptedSource"/> received, with the headers the proxy tests look at.</summary>
internal sealed record SourceRequest(string Method, string Path, string Authorization, string Range, string Accept, string IfNoneMatch, string AcceptEncoding, string Cookie);
