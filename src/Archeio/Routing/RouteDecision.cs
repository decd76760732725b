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
/// <param name="Upstream">For a redirect to an upstream: which one (the picked one, or the holder's), for the egress counters.</param>
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
