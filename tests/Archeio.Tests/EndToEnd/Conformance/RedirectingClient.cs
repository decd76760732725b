using System.Net.Http.Headers;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// HTTP as a registry client does it: .NET's own redirect handling is off and redirects are followed here, so that
/// every hop is seen and the rules are ours. The distribution spec (its API section on main, after v1.1.1: commit dbaac7b):
/// "Registries MAY respond to any request with a redirect per RFC 9110 (section 15.4); clients SHOULD follow such
/// redirects, and MUST NOT forward <c>Authorization</c> headers across host boundaries unless explicitly configured
/// to do so. The status codes documented in this specification are those returned after any redirects have been
/// followed." (.NET's follower drops <c>Authorization</c> on every redirect, same host or not, and records no hops.)
/// <list type="bullet">
/// <item>301, 302, 303, 307 and 308 with a <c>Location</c> are followed, at most <see cref="MaxRedirects"/> times;
/// a relative <c>Location</c> is resolved against the URL that answered it (RFC 9110 §10.2.2);</item>
/// <item>307 and 308 keep the method (RFC 9110 §15.4.8, §15.4.9): HEAD stays HEAD. GET and HEAD keep theirs on
/// 301, 302 and 303 too (§15.4.2–4 only let a user agent turn other methods into GET); requests carry no content;</item>
/// <item>every header is sent again on each hop (<c>Range</c>, <c>Accept</c>, …) except <c>Authorization</c>, which goes
/// only to the origin (scheme, host and port, RFC 6454) of the first request: dropped on another origin, sent again
/// if a chain comes back to it, as Go's <c>net/http</c> (which containerd and skopeo use) does.</item>
/// </list>
/// </summary>
internal sealed class RedirectingClient : IDisposable
{
    public const int DefaultMaxRedirects = 10;

    private readonly HttpClient _http;

    public RedirectingClient(int maxRedirects = DefaultMaxRedirects)
        : this(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false }, maxRedirects)
    {
    }

    public RedirectingClient(HttpMessageHandler handler, int maxRedirects)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRedirects);
        _http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(15) };
        MaxRedirects = maxRedirects;
    }

    public int MaxRedirects { get; }

    public Task<FollowedResponse> SendAsync(HttpMethod method, Uri uri, CancellationToken cancellationToken = default)
        => SendAsync(method, uri, [], cancellationToken);

    /// <summary>Sends the request and follows its redirects; the final answer with its body read whole, and the hops.</summary>
    /// <exception cref="HttpRequestException">More than <see cref="MaxRedirects"/> redirects, or the transport failed.</exception>
    public async Task<FollowedResponse> SendAsync(
        HttpMethod method, Uri uri, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(headers);
        var hops = new List<RedirectHop>();
        var current = uri;
        var currentMethod = method;
        while (true)
        {
            using var request = new HttpRequestMessage(currentMethod, current);
            var sameOrigin = SameOrigin(uri, current);
            foreach (var (name, value) in headers)
            {
                if (!sameOrigin && string.Equals(name, "Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (!request.Headers.TryAddWithoutValidation(name, value))
                {
                    throw new ArgumentException($"'{name}' is not a request header (requests carry no content)", nameof(headers));
                }
            }

            // Headers first: an answer whose body then breaks off is still an answer (its status and headers count),
            // with the break recorded.
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (IsRedirect(status) && response.Headers.Location is { } location)
            {
                var next = location.IsAbsoluteUri ? location : new Uri(current, location);
                hops.Add(new RedirectHop(currentMethod, current, status, next));
                if (hops.Count > MaxRedirects)
                {
                    throw new HttpRequestException(
                        $"{method} {uri}: more than {MaxRedirects} redirects: {string.Join(" → ", hops.Select(h => $"{h.Status} {h.Location}"))}");
                }

                currentMethod = MethodAfter(status, currentMethod);
                current = next;
                continue;
            }

            var (body, bodyError) = await ReadBodyAsync(response, cancellationToken);
            return new FollowedResponse(method, uri, currentMethod, current, status, Headers(response), body, hops, bodyError);
        }
    }

    public void Dispose() => _http.Dispose();

    /// <summary>Same scheme, host (case-insensitively) and port: RFC 6454's origin.</summary>
    public static bool SameOrigin(Uri a, Uri b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
            && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
            && a.Port == b.Port;
    }

    /// <summary>The whole body, or what broke it off (a connection closed before <c>Content-Length</c> bytes, RFC 9112 §6.3).</summary>
    private async Task<(byte[] Body, string? Error)> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(_http.Timeout);
        try
        {
            return (await response.Content.ReadAsByteArrayAsync(limit.Token), null);
        }
        catch (Exception e) when (e is HttpRequestException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var inner = e;
            while (inner.InnerException is not null)
            {
                inner = inner.InnerException;
            }

            return ([], inner.Message);
        }
    }

    private static bool IsRedirect(int status) => status is 301 or 302 or 303 or 307 or 308;

    private static HttpMethod MethodAfter(int status, HttpMethod method)
        => status is 307 or 308 || method == HttpMethod.Get || method == HttpMethod.Head ? method : HttpMethod.Get;

    private static Dictionary<string, IReadOnlyList<string>> Headers(HttpResponseMessage response)
    {
        var all = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        Add(response.Headers.NonValidated);
        Add(response.Content.Headers.NonValidated);
        return all;

        void Add(HttpHeadersNonValidated headers)
        {
            foreach (var (name, values) in headers)
            {
                all[name] = [.. values];
            }
        }
    }
}
