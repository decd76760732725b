using System.Net.Http.Headers;
using Archeio.Oci.Auth;
using Archeio.Requests;
using Archeio.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Archeio.Proxying;

/// <summary>
/// One attempt of a proxied request at one source, as YARP's forwarder runs it: the outgoing request is the source's
/// URL with only the client headers a pull's semantics need (never its credentials, cookies or
/// <c>Accept-Encoding</c>: the bytes must be the stored bytes that the digest is of); the answer passes back only
/// the headers a registry client reads, or is passed over for the next source when another source may answer
/// better (<see cref="PassedOver"/>).
/// </summary>
internal sealed class SourceTransformer(ProxySource source, RegistryRequest target, bool isLast, TimeProvider time) : HttpTransformer
{
    /// <summary>
    /// What a pull sends that the source must see: the media types it takes, a resumed or partial download
    /// (RFC 9110 §14), conditional requests (§13), and who it is.
    /// </summary>
    private static readonly string[] RequestHeaders =
        ["Accept", "Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "User-Agent"];

    /// <summary>
    /// What a registry client reads of an answer (distribution-spec: Docker-Content-Digest, Link for tag pages,
    /// OCI-Filters-Applied for referrers; RFC 9110: ranges and validators). Never <c>WWW-Authenticate</c>: Archeio answers
    /// the source's challenge itself, and the client must not be asked.
    /// </summary>
    private static readonly string[] ResponseHeaders =
        ["Docker-Content-Digest", "ETag", "Last-Modified", "Accept-Ranges", "Link", "OCI-Filters-Applied", "Docker-Distribution-Api-Version", "Retry-After"];

    private static readonly string[] ContentHeaders = ["Content-Type", "Content-Range"];

    /// <summary>The status of an answer passed over for the next source (nothing was written); null when the answer went to the client or none came.</summary>
    public int? PassedOver { get; private set; }

    /// <summary>The client's body, once the answer's body streams into it.</summary>
    public ProxyBody? Body { get; private set; }

    public override ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(proxyRequest);
        proxyRequest.RequestUri = new Uri(source.Url);
        var headers = httpContext.Request.Headers;
        foreach (var name in RequestHeaders)
        {
            if (headers.TryGetValue(name, out var values))
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, (IEnumerable<string>)values);
            }
        }

        if (source.Repository.Length > 0)
        {
            // A registry that challenges gets an anonymous token for this repository's pull scope, cached per scope
            // (src/Archeio.Oci/Auth/RegistryAuthHandler.cs, shared with Geranos).
            proxyRequest.Options.Set(AuthScopes.Key, AuthScopes.Pull(source.Repository));
        }

        return default;
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        if (proxyResponse is null)
        {
            // The request failed; the forwarder has set 502 or 504, the caller decides what the client gets.
            return new(false);
        }

        var status = (int)proxyResponse.StatusCode;
        var response = httpContext.Response;
        if (ShouldPassOver(status))
        {
            PassedOver = status;
            response.Clear();
            return new(false);
        }

        response.StatusCode = status;
        Copy(proxyResponse.Headers, ResponseHeaders, response.Headers);
        Copy(proxyResponse.Content.Headers, ContentHeaders, response.Headers);
        response.ContentLength = proxyResponse.Content.Headers.ContentLength;
        var whole = status == StatusCodes.Status200OK && target.IsContentAddressed;
        if (whole)
        {
            // The digest was asked for, and (for a GET) is checked below: say it, as a registry does, where a bucket cannot.
            response.Headers["Docker-Content-Digest"] = target.Reference;
        }

        Body = new ProxyBody(response.Body, whole && HttpMethods.IsGet(httpContext.Request.Method) ? target.Reference : null, response.ContentLength, time);
        response.Body = Body;
        return new(true);
    }

    /// <summary>Trailers are not part of a registry's answer: none are passed.</summary>
    public override ValueTask TransformResponseTrailersAsync(HttpContext httpContext, HttpResponseMessage proxyResponse, CancellationToken cancellationToken) => default;

    /// <summary>
    /// A redirect is never handed on (the client may reach nothing but Archeio; one the handler did not follow, such as
    /// https to http, is a failure), nor is a server error (the source's alone: the next is tried, and after the last
    /// the client gets Archeio's 502). Before the last source, a rate limit may be that source's alone too, and so may a
    /// 404 or a refusal from a source that was checked and found holding the object (a mirror's stale inventory). The
    /// last source's other answers stand: a 404, a 416, a 429 with its Retry-After.
    /// </summary>
    private bool ShouldPassOver(int status)
        => status is >= 300 and < 400 and not StatusCodes.Status304NotModified
            || status >= 500
            || (!isLast && (status == StatusCodes.Status429TooManyRequests
                || (source.Candidate is not null && status is StatusCodes.Status404NotFound or StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden)));

    private static void Copy(HttpHeaders from, string[] names, IHeaderDictionary to)
    {
        foreach (var name in names)
        {
            if (from.NonValidated.TryGetValues(name, out var values))
            {
                to[name] = values.ToArray();
            }
        }
    }
}
