using System.Diagnostics;
using Archeio.Configuration;
using Archeio.Http;
using Archeio.Logging;
using Archeio.Metrics;
using Archeio.Proxying;
using Archeio.RateLimiting;
using Archeio.Requests;
using Archeio.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.HttpOverrides;

namespace Archeio.Hosting;

/// <summary>
/// The only endpoint, and only HTTP translation: the <see cref="RequestRouter"/> gathers the facts and decides; this
/// writes the decision as a response, then counts the request (<see cref="RequestMetrics"/>) and, for
/// <c>Logging:AccessSampleRate</c> of them, writes an access-log line. No policy lives here.
/// </summary>
internal sealed class RegistryHandler(
    ArcheioSettings settings,
    RequestRouter routing,
    RequestMetrics metrics,
    ProxyForwarder proxies,
    AccessLog accessLog,
    TimeProvider time,
    EgressMetrics? egress = null,
    UpstreamQuotaBoard? quotas = null,
    RateLimitMetrics? rateLimitMetrics = null)
{
    private readonly UpstreamQuotaBoard? _quotas = quotas is { Enabled: true } ? quotas : null;

    private const string RedactedClientIp = "redacted";

    /// <summary>Decisions of proxied answers: <c>proxy:</c> and the source's label (<c>proxy:mirror:s3</c>), or <c>proxy:busy</c> (503).</summary>
    private const string ProxyDecisionPrefix = "proxy:";

    private const string ProxyBusyDecision = "proxy:busy";

    // The decision strings of blob redirects after a check, by candidate index: built once, not per request.
    private readonly string[] _holderDecisions = [.. settings.Candidates.Select(m => "mirror:" + m.Name)];

    private static readonly string[] RejectedDecisions = [.. Enum.GetValues<OciErrorCode>().Select(c => "rejected:" + c.WireName())];

    private readonly double _accessSampleRate = settings.Logging.AccessSampleRate;
    private long _accessCount;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = time.GetTimestamp();
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(rawTarget))
        {
            rawTarget = context.Request.PathBase + context.Request.Path + context.Request.QueryString;
        }

        var (facts, decision) = await routing.RouteAsync(
            context.Request.Method, rawTarget, context.Connection.RemoteIpAddress, context.Request.Headers[ForwardedHeadersDefaults.XForwardedForHeaderName], context.RequestAborted);
        if (decision is ClientGone)
        {
            // There is no one to answer, and nothing was served.
            return;
        }

        var target = facts.Target;
        if (settings.RouteHeader && target.IsContentAddressed && decision is Redirect blobRedirect)
        {
            // For users reporting a problem: which rule sent them where, pasteable into an issue.
            context.Response.Headers["X-Archeio-Route"] = RouteHeaderValue(blobRedirect);
        }

        string described;
        string targetHost;
        if (decision is Proxy proxy)
        {
            // The content itself, for a rule that proxies: the source that answered names the decision.
            var source = await proxies.ForwardAsync(context, proxy, target);
            described = source is null ? ProxyBusyDecision : ProxyDecisionPrefix + source.Label;
            targetHost = source?.Host ?? "-";
            if (source is not null)
            {
                _quotas?.Record(source.Label);
            }
        }
        else
        {
            await WriteAsync(context, decision);
            described = Describe(decision);
            targetHost = decision is Redirect redirect ? redirect.TargetHost : "-";
            if (decision is Redirect content)
            {
                if (content.Upstream is { } upstream)
                {
                    _quotas?.Record(upstream);
                }

                // A GET's redirect sends the client to download the object from the target; a HEAD's sends no body.
                if (target.IsContentAddressed && HttpMethods.IsGet(context.Request.Method))
                {
                    egress?.Redirected(content);
                }
            }
            else if (decision is RateLimited refused)
            {
                rateLimitMetrics?.Limited(refused.Limit);
            }
        }

        var elapsed = time.GetElapsedTime(started);
        var location = facts.Client.Location;
        metrics.Record(target.Kind, context.Request.Method, context.Response.StatusCode, described, location, facts.Geo?.Continent, elapsed);
        if (!accessLog.Enabled || !SampleAccess())
        {
            return;
        }

        accessLog.Write(new AccessEntry(
            context.Request.Method,
            PathOf(rawTarget),
            context.Response.StatusCode,
            settings.Logging.RedactClientIp ? RedactedClientIp : facts.Client.Address?.ToString() ?? "-",
            location?.Cloud ?? "-",
            location?.Region is { Length: > 0 } region ? region : "-",
            described,
            targetHost,
            elapsed.TotalMilliseconds));
    }

    /// <summary>
    /// Whether this request gets an access-log line: exactly <c>AccessSampleRate</c> of the requests, evenly spread
    /// (the n-th is logged when floor(n × rate) moves), deterministic so that tests and operators can count on it.
    /// </summary>
    private bool SampleAccess()
    {
        var rate = _accessSampleRate;
        if (rate >= 1)
        {
            return true;
        }

        if (rate <= 0)
        {
            return false;
        }

        var n = Interlocked.Increment(ref _accessCount);
        return (long)(n * rate) != (long)((n - 1) * rate);
    }

    private static Task WriteAsync(HttpContext context, RouteDecision decision)
    {
        var response = context.Response;
        switch (decision)
        {
            case Redirect redirect:
                response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                response.Headers.Location = redirect.Location;
                // The target depends on who asks: no shared cache may keep it.
                response.Headers.CacheControl = "private, no-store";
                response.ContentLength = 0;
                return Task.CompletedTask;
            case ApiVersion:
                response.StatusCode = StatusCodes.Status200OK;
                // Docker clients fall back to older protocols without it; OCI does not require it.
                response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
                response.ContentLength = 0;
                return Task.CompletedTask;
            case MethodNotAllowed refused:
                response.Headers.Allow = "GET, HEAD";
                return WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, refused.Message);
            case ClientAddressUnknown unknown:
                return WriteTextAsync(context, StatusCodes.Status400BadRequest, unknown.Message);
            case OciError error:
                return ResponseBody.WriteOciErrorAsync(context, error.Status, error.Code, error.Message);
            case RateLimited limited:
                // An OCI error body, not a load balancer's HTML page: clients print the code and message
                // (docker's "invalid character '<'" was the production registry's), and honour Retry-After.
                response.Headers.RetryAfter = limited.RetryAfterSeconds;
                return ResponseBody.WriteAsync(context, StatusCodes.Status429TooManyRequests, ResponseBody.OciErrorContentType, limited.Body);
            case PageNotFound notFound:
                return WriteTextAsync(context, StatusCodes.Status404NotFound, notFound.Message);
            default:
                throw new UnreachableException($"no response for {decision.GetType().Name}");
        }
    }

    private static Task WriteTextAsync(HttpContext context, int status, string message)
        => ResponseBody.WriteAsync(context, status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(message + "\n"));

    internal static string RouteHeaderValue(Redirect decision)
        => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"rule={(decision.Rule is { } rule ? rule.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}; mirror={decision.Holder?.Name ?? "upstream"}");

    /// <summary>The decision label of the access log and <c>archeio_requests_total</c>: a bounded set.</summary>
    private string Describe(RouteDecision decision) => decision switch
    {
        Redirect { Holder: { } holder } => (uint)holder.Index < (uint)_holderDecisions.Length ? _holderDecisions[holder.Index] : "mirror:" + holder.Name,
        Redirect { Target: RouteTarget.Info } => "info",
        Redirect { Target: RouteTarget.Privacy } => "privacy",
        Redirect { Target: RouteTarget.SignatureUpstream } => "signature-upstream",
        Redirect => "upstream",
        ApiVersion => "api-version",
        MethodNotAllowed => "method-not-allowed",
        ClientAddressUnknown => "bad-client-address",
        OciError error => RejectedDecisions[(int)error.Code],
        RateLimited limited => limited.Decision,
        _ => "not-found",
    };

    private static string PathOf(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? rawTarget : rawTarget[..query];
    }
}
