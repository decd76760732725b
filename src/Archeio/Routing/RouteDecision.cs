using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// What the <see cref="Router"/> answers: a <see cref="RouteDecision"/>, or a <see cref="BlobPlan"/> from which
/// a decision is made once its candidates are asked (<see cref="RequestRouter"/>).
/// </summary>
internal abstract record RouterAnswer
{
    private protected RouterAnswer()
    {
    }
}

/// <summary>
/// The final answer to one request, which the HTTP layer only translates (docs/request-handling.md). A closed set:
/// <see cref="Redirect"/>, <see cref="Proxy"/>, <see cref="ApiVersion"/>, <see cref="PageNotFound"/>, <see cref="OciError"/>,
/// <see cref="ClientAddressUnknown"/>, <see cref="MethodNotAllowed"/>, and <see cref="ClientGone"/>, which is not answered.
/// </summary>
internal abstract record RouteDecision : RouterAnswer
{
    private protected RouteDecision()
    {
    }
}

/// <summary>307 to <paramref name="Location"/>.</summary>
/// <param name="Target">Which kind of target, for logs and metrics.</param>
/// <param name="Location">The absolute redirect URL.</param>
/// <param name="TargetHost">Authority of <paramref name="Location"/>, for logs.</param>
/// <param name="Holder">For a blob: the candidate found holding it, or null (no candidates, or none held it).</param>
/// <param name="Rule">For a blob: the rule that fitted the client, or null (explanations and the route header).</param>
/// <param name="Size">For a blob (or a manifest by digest): its size in bytes when a check's answer gave it, else -1; what the
/// egress counters count for the target (Metrics/EgressMetrics.cs).</param>
/// <param name="Upstream">For a redirect to an upstream: which one (the picked one, or the holder's): the egress counters'
/// target, and its requests count towards its <c>MaxRequestsPerMinute</c>.</param>
internal sealed record Redirect(
    RouteTarget Target, string Location, string TargetHost, Candidate? Holder = null, RuleSettings? Rule = null, long Size = -1, UpstreamSettings? Upstream = null)
    : RouteDecision;

/// <summary>
/// The content itself, for a client whose rule proxies (<c>Action: Proxy</c>): streamed by Archeio from the first of
/// <paramref name="Sources"/> that answers (Proxying/ProxyForwarder.cs), the client never sent elsewhere.
/// </summary>
/// <param name="Via">The redirect the client would have got: its target is <paramref name="Sources"/>' first; holder and rule for logs and metrics.</param>
/// <param name="Sources">Where to fetch from, in order (never empty): the target, then the other upstreams of the failover list, healthy first.</param>
internal sealed record Proxy(Redirect Via, ImmutableArray<ProxySource> Sources) : RouteDecision;

/// <summary>200, empty body, <c>Docker-Distribution-Api-Version: registry/2.0</c>.</summary>
internal sealed record ApiVersion : RouteDecision
{
    public static readonly ApiVersion Instance = new();
}

/// <summary>404 with a plain body: paths outside the API.</summary>
internal sealed record PageNotFound(string Message) : RouteDecision
{
    public static readonly PageNotFound Instance = new("404 page not found");
}

/// <summary>An OCI error body (<see cref="OciErrorCodes.WireName"/>), with 404 or, where the spec demands it, 400.</summary>
internal sealed record OciError(OciErrorCode Code, string Message, int Status = 404) : RouteDecision;

/// <summary>
/// 429 with <c>Retry-After</c> and the OCI error <c>TOOMANYREQUESTS</c>
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes): the client is over a rate limit
/// (RateLimiting/ClientRateLimiter.cs), or every upstream of its list is over its <c>MaxRequestsPerMinute</c>.
/// </summary>
/// <param name="Limit">What refused it, the metric's label: a limit's name, or <c>upstream:&lt;name&gt;</c>.</param>
/// <param name="Decision">The access log's decision: <c>rate-limited:</c> and <paramref name="Limit"/>.</param>
/// <param name="RetryAfter">When a request would be let through again (at least 1 s on the wire).</param>
/// <param name="Message">The error's message.</param>
/// <param name="Body">The OCI error body of <paramref name="Message"/>, encoded once per limit (Http/ResponseBody.OciErrorBody).</param>
internal sealed record RateLimited(string Limit, string Decision, TimeSpan RetryAfter, string Message, byte[] Body) : RouteDecision
{
    /// <summary>A 429 of <paramref name="limit"/> whose body is encoded now (once per limit: the caller keeps it).</summary>
    public static RateLimited For(string limit, string message)
        => new(limit, "rate-limited:" + limit, TimeSpan.Zero, message, Http.ResponseBody.OciErrorBody(OciErrorCode.TooManyRequests, message));

    /// <summary>The <c>Retry-After</c> value: whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3: a delay in seconds).</summary>
    public string RetryAfterSeconds
    {
        get
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(RetryAfter.TotalSeconds));
            return seconds < SecondsText.Length ? SecondsText[seconds] : seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    // The values of the first two minutes, written under a flood many times a second: not formatted each time.
    private static readonly string[] SecondsText = [.. Enumerable.Range(0, 121).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];
}

/// <summary>400: the client address, which a blob's routing needs, could not be determined.</summary>
internal sealed record ClientAddressUnknown(string Message) : RouteDecision;

/// <summary>405 with <c>Allow: GET, HEAD</c>.</summary>
internal sealed record MethodNotAllowed(string Message) : RouteDecision
{
    public static readonly MethodNotAllowed Instance = new("Only GET and HEAD are allowed.");
}

/// <summary>The client went away while a blob's candidates were asked: nothing is answered, logged or counted.</summary>
internal sealed record ClientGone : RouteDecision
{
    public static readonly ClientGone Instance = new();
}
