using System.Text.Json;
using Archeio.Blobs;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Http;
using Archeio.Metrics;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Microsoft.AspNetCore.Http.Features;

namespace Archeio.Hosting;

/// <summary>
/// The only endpoint: gathers the request and client facts, asks the <see cref="Router"/>, runs the
/// blob checks it asks for, and translates its decision into an HTTP response. No policy lives here.
/// Every request is counted (<see cref="RequestMetrics"/>); <c>Logging:AccessSampleRate</c> of them get an access-log line.
/// </summary>
internal sealed partial class RegistryHandler(
    ArcheioSettings settings,
    Router router,
    ClientIpResolver clientIpResolver,
    IpRangeTableHolder ranges,
    GeoLookup geo,
    IBlobPresence blobs,
    RequestMetrics metrics,
    TimeProvider time,
    ILogger<RegistryHandler> logger)
{
    private const string ForwardedForHeader = "X-Forwarded-For";
    private const string RedactedClientIp = "redacted";

    // The decision strings of mirror redirects, by mirror index: built once, not per request.
    private readonly string[] _mirrorDecisions = [.. settings.Mirrors.Select(m => "mirror:" + m.Name)];

    private readonly RequestRouting _routing = new(router, clientIpResolver, ranges, geo, blobs);
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

        var routed = _routing.Begin(context.Request.Method, rawTarget, context.Connection.RemoteIpAddress, context.Request.Headers[ForwardedForHeader]);
        var target = routed.Request.Target;
        var address = routed.Client.Address;
        var location = routed.Client.Location;
        var decision = routed.Decision;
        if (decision.Kind == DecisionKind.CheckMirrors)
        {
            // Answers already known (inventory, cache) decide without a budget or an await; only a real check waits.
            if (!_routing.TryFindKnownHolder(decision, target, out var holder, out var firstUnknown))
            {
                holder = await FindHolderAsync(decision, firstUnknown, target.Name, target.Reference, context.RequestAborted);
            }

            if (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away during the checks: there is no one to answer.
                return;
            }

            decision = _routing.Finish(routed, holder);
        }

        if (settings.RouteHeader && target.Kind == RequestKind.Blob && decision.Kind == DecisionKind.Redirect)
        {
            // For users reporting a problem: which rule sent them where, pasteable into an issue.
            context.Response.Headers["X-Archeio-Route"] = RouteHeaderValue(decision);
        }

        await WriteAsync(context, decision);

        var elapsed = time.GetElapsedTime(started);
        var described = Describe(decision);
        metrics.Record(target.Kind, context.Request.Method, context.Response.StatusCode, described, location, routed.Geo?.Continent, elapsed);
        if (!SampleAccess())
        {
            return;
        }

        LogAccess(
            logger,
            context.Request.Method,
            PathOf(rawTarget),
            context.Response.StatusCode,
            settings.Logging.RedactClientIp ? RedactedClientIp : address?.ToString() ?? "-",
            location?.Cloud ?? "-",
            location?.Region is { Length: > 0 } region ? region : "-",
            described,
            decision.TargetHost ?? "-",
            elapsed.TotalMilliseconds);
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

    /// <summary>
    /// Asks the candidates in order from <paramref name="first"/> (those before it are known absent). The request
    /// waits on checks at most <c>BlobCheck:Timeout</c> in total, however many mirrors its rule lists; past it,
    /// mirrors whose answer is not already known (inventory or cache) count as absent for this request only.
    /// </summary>
    private async Task<MirrorSettings?> FindHolderAsync(RouteDecision decision, int first, string name, string digest, CancellationToken aborted)
    {
        using var budget = new CancellationTokenSource(settings.BlobCheck.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, aborted);
        var candidates = decision.Candidates;
        for (var i = first; i < candidates.Length; i++)
        {
            if (await blobs.ExistsAsync(candidates[i], name, digest, linked.Token))
            {
                return candidates[i];
            }
        }

        return null;
    }

    private static Task WriteAsync(HttpContext context, RouteDecision decision)
    {
        var response = context.Response;
        switch (decision.Kind)
        {
            case DecisionKind.Redirect:
                response.StatusCode = StatusCodes.Status307TemporaryRedirect;
                response.Headers.Location = decision.Location;
                // The target depends on who asks: no shared cache may keep it.
                response.Headers.CacheControl = "private, no-store";
                response.ContentLength = 0;
                return Task.CompletedTask;
            case DecisionKind.ApiVersion:
                response.StatusCode = StatusCodes.Status200OK;
                // Docker clients fall back to older protocols without it; OCI does not require it.
                response.Headers["Docker-Distribution-Api-Version"] = "registry/2.0";
                response.ContentLength = 0;
                return Task.CompletedTask;
            case DecisionKind.MethodNotAllowed:
                response.Headers.Allow = "GET, HEAD";
                return WriteTextAsync(context, StatusCodes.Status405MethodNotAllowed, decision.Message!);
            case DecisionKind.BadRequest:
                return WriteTextAsync(context, StatusCodes.Status400BadRequest, decision.Message!);
            case DecisionKind.OciError:
                return WriteOciErrorAsync(context, decision.Error!.Value, decision.Message!);
            default:
                return WriteTextAsync(context, StatusCodes.Status404NotFound, decision.Message ?? "404 page not found");
        }
    }

    private static Task WriteTextAsync(HttpContext context, int status, string message)
        => ResponseBody.WriteAsync(context, status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(message + "\n"));

    /// <summary>
    /// The OCI error body: <c>{"errors":[{"code":...,"message":...}]}</c>
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes).
    /// </summary>
    private static Task WriteOciErrorAsync(HttpContext context, OciErrorCode code, string message)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("errors");
            json.WriteStartObject();
            json.WriteString("code", CodeOf(code));
            json.WriteString("message", message);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return ResponseBody.WriteAsync(context, StatusCodes.Status404NotFound, "application/json", buffer.ToArray());
    }

    internal static string RouteHeaderValue(RouteDecision decision)
        => string.Create(
            System.Globalization.CultureInfo.InvariantCulture,
            $"rule={(decision.Rule is { } rule ? rule.Index.ToString(System.Globalization.CultureInfo.InvariantCulture) : "none")}; mirror={decision.Mirror?.Name ?? "upstream"}");

    internal static string CodeOf(OciErrorCode code) => code switch
    {
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        _ => "NOT_FOUND",
    };

    private string Describe(RouteDecision decision) => decision.Kind switch
    {
        DecisionKind.Redirect when decision.Mirror is { } mirror => (uint)mirror.Index < (uint)_mirrorDecisions.Length ? _mirrorDecisions[mirror.Index] : "mirror:" + mirror.Name,
        DecisionKind.Redirect => decision.Target switch
        {
            RouteTarget.Info => "info",
            RouteTarget.Privacy => "privacy",
            RouteTarget.SignatureUpstream => "signature-upstream",
            _ => "upstream",
        },
        DecisionKind.ApiVersion => "api-version",
        DecisionKind.MethodNotAllowed => "method-not-allowed",
        DecisionKind.BadRequest => "bad-client-address",
        DecisionKind.OciError => decision.Error!.Value switch
        {
            OciErrorCode.NameInvalid => "rejected:NAME_INVALID",
            OciErrorCode.DigestInvalid => "rejected:DIGEST_INVALID",
            _ => "rejected:NOT_FOUND",
        },
        _ => "not-found",
    };

    private static string PathOf(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? rawTarget : rawTarget[..query];
    }

    [LoggerMessage(EventId = 1, EventName = "Access", Level = LogLevel.Information,
        Message = "{Method} {Path} {Status} client={ClientIp} cloud={Cloud} region={Region} decision={Decision} target={TargetHost} {DurationMs:F3}ms")]
    private static partial void LogAccess(
        ILogger logger, string method, string path, int status, string clientIp, string cloud, string region, string decision, string targetHost, double durationMs);
}
