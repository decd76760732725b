using System.Threading.RateLimiting;
using Archeio.Blobs;
using Archeio.Configuration;
using Archeio.Http;
using Archeio.Metrics;
using Archeio.Oci.Auth;
using Archeio.Requests;
using Archeio.Routing;
using Yarp.ReverseProxy.Forwarder;

namespace Archeio.Proxying;

/// <summary>
/// Applies a <see cref="Proxy"/> decision: streams the content from the first of its sources that answers, through
/// YARP's <see cref="IHttpForwarder"/> (a well-kept forwarder: pooled 64 KiB copy buffer, back-pressure from the
/// client, the idle timeout, hop-by-hop headers, cancellation, aborts done right; AOT-compatible since YARP 2.3;
/// docs/request-handling.md says why it was chosen over a hand-written copy loop). The policy (which sources, in which
/// order) is the router's; this only fetches, verifies and reports.
/// </summary>
/// <remarks>
/// Sources before the last are passed over when they fail before their answer starts (connection, token realm,
/// <c>Proxy:FirstByteTimeout</c>) or answer what the next may not (<see cref="SourceTransformer"/>); once bytes went to the
/// client nothing is retried: a body that breaks off, goes idle for <c>Proxy:IdleTimeout</c>, or does not hash to the
/// requested digest cuts the client's connection, so that the client sees a failed download and retries (with a
/// Range, or afresh) instead of keeping a wrong or short object. A mirror's failures reach its breaker.
/// </remarks>
internal sealed partial class ProxyForwarder : IDisposable
{
    /// <summary>The HTTP client's name in logs (System.Net.Http) and the forwarder's request config.</summary>
    public const string ClientName = "proxy";

    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _client;
    private readonly ForwarderRequestConfig _config;
    private readonly ConcurrencyLimiter _limiter;
    private readonly IBlobPresence _checker;
    private readonly ProxyMetrics _metrics;
    private readonly ProxySettings _settings;
    private readonly ILogger<ProxyForwarder> _logger;
    private readonly TimeProvider _time;

    public ProxyForwarder(IHttpForwarder forwarder, ArcheioSettings settings, IBlobPresence checker, ProxyMetrics metrics, TimeProvider time, ILogger<ProxyForwarder> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _forwarder = forwarder;
        _settings = settings.Proxy;
        _checker = checker;
        _metrics = metrics;
        _logger = logger;
        _time = time;
        _config = new ForwarderRequestConfig { ActivityTimeout = _settings.IdleTimeout };
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = Math.Max(1, _settings.MaxConcurrent), QueueLimit = 0 });

        // Sources' own redirects (a registry's blob GET to its storage) are followed here, never handed to the client;
        // Authorization is dropped on a redirect (SocketsHttpHandler), so a token never reaches the storage host.
        var transport = ProbeHttpClient.ClientShapedHandler(pooledConnectionLifetime: TimeSpan.FromMinutes(5));
        transport.ConnectTimeout = _settings.FirstByteTimeout;
        transport.EnableMultipleHttp2Connections = true;
        // No trace headers to buckets and registries that are not ours.
        transport.ActivityHeadersPropagator = null;
        _client = new HttpMessageInvoker(
            new FirstByteTimeoutHandler(_settings.FirstByteTimeout, time) { InnerHandler = new RegistryAuthHandler(credentials: null, time) { InnerHandler = transport } },
            disposeHandler: true);
    }

    /// <summary>
    /// Answers <paramref name="context"/> with the content <paramref name="decision"/> names; returns the source that
    /// answered (or was tried last), for the access log and the request metric, or null when no stream was allowed.
    /// </summary>
    public async Task<ProxySource?> ForwardAsync(HttpContext context, Proxy decision, RegistryRequest target)
    {
        using var lease = _limiter.AttemptAcquire();
        if (!lease.IsAcquired)
        {
            _metrics.Attempt("none", ProxyOutcome.Busy);
            LogBusy(_logger, _settings.MaxConcurrent);
            context.Response.Headers.RetryAfter = "1";
            await ResponseBody.WriteOciErrorAsync(
                context, StatusCodes.Status503ServiceUnavailable, OciErrorCode.Unavailable, $"{_settings.MaxConcurrent} proxied downloads are in flight; retry shortly");
            return null;
        }

        var sources = decision.Sources;
        var timedOut = false;
        string? why = null;
        for (var i = 0; i < sources.Length; i++)
        {
            var source = sources[i];
            var attempt = new SourceTransformer(source, target, isLast: i == sources.Length - 1, _time);
            _metrics.StreamStarted(source.Label);
            var original = context.Response.Body;
            ProxyOutcome outcome;
            try
            {
                var error = await _forwarder.SendAsync(context, source.Url, _client, _config, attempt);
                outcome = await ConcludeAsync(context, source, target, attempt, error);
            }
            finally
            {
                context.Response.Body = original;
                _metrics.StreamEnded(source.Label, attempt.Body?.Written ?? 0);
                attempt.Body?.Dispose();
            }

            _metrics.Attempt(source.Label, outcome);
            if (outcome is not (ProxyOutcome.Passed or ProxyOutcome.Failed or ProxyOutcome.TimedOut))
            {
                return source;
            }

            timedOut = outcome == ProxyOutcome.TimedOut;
            why = attempt.PassedOver is { } status ? $"answered {status}" : ErrorOf(context);
            LogPassedOver(_logger, source.Label, source.Host, why, i == sources.Length - 1 ? "none left" : sources[i + 1].Label);
            context.Response.Clear();
            context.Features.Set<IForwarderErrorFeature>(null);
        }

        // Every source failed before its answer started.
        await ResponseBody.WriteOciErrorAsync(
            context,
            timedOut ? StatusCodes.Status504GatewayTimeout : StatusCodes.Status502BadGateway,
            OciErrorCode.Unavailable,
            $"no source answered ({string.Join(", ", sources.Select(s => s.Label))}); the last {why}");
        return sources[^1];
    }

    /// <summary>What one attempt came to; for a whole object, the digest is checked before its last bytes go out.</summary>
    private async ValueTask<ProxyOutcome> ConcludeAsync(HttpContext context, ProxySource source, RegistryRequest target, SourceTransformer attempt, ForwarderError error)
    {
        if (attempt.PassedOver is { } status)
        {
            if (status >= 500 && source.Candidate is { } passed)
            {
                _checker.ReportServeFailure(passed, target.Name, target.Reference, forget: false);
            }

            return ProxyOutcome.Passed;
        }

        if (error == ForwarderError.None)
        {
            if (attempt.Body is { } body && !await body.FinishAsync(context.RequestAborted))
            {
                LogDigestMismatch(_logger, source.Label, source.Url, target.Reference, body.Mismatch ?? "?");
                if (source.Candidate is { } liar)
                {
                    _checker.ReportServeFailure(liar, target.Name, target.Reference, forget: true);
                }

                // Cut before the last bytes: the client's download fails, and it never holds the whole wrong object.
                context.Abort();
                return ProxyOutcome.DigestMismatch;
            }

            return ProxyOutcome.Served;
        }

        // The forwarder aborts the client's connection itself when a body fails (which cancels RequestAborted too), so
        // the error says whose fault it was: the client's write, its cancellation before the answer started, or, for a
        // cancelled copy, a client that left while bytes still flowed (a source idle that long was cut by the timeout).
        if (error is ForwarderError.ResponseBodyClient or ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled
            || (error == ForwarderError.ResponseBodyCanceled && attempt.Body is { } cancelled && cancelled.SinceLastWrite < _settings.IdleTimeout * 0.9))
        {
            return ProxyOutcome.ClientGone;
        }

        if (source.Candidate is { } failed)
        {
            _checker.ReportServeFailure(failed, target.Name, target.Reference, forget: false);
        }

        if (context.Response.HasStarted)
        {
            // The forwarder has cut the client's connection already: a short body must not look complete.
            LogCut(_logger, source.Label, source.Host, error.ToString(), ErrorOf(context));
            return ProxyOutcome.Cut;
        }

        return error == ForwarderError.RequestTimedOut ? ProxyOutcome.TimedOut : ProxyOutcome.Failed;
    }

    private static string ErrorOf(HttpContext context)
        => context.Features.Get<IForwarderErrorFeature>() is { } feature
            ? $"{feature.Error}: {feature.Exception?.GetBaseException().Message ?? "no detail"}"
            : "failed";

    public void Dispose()
    {
        _client.Dispose();
        _limiter.Dispose();
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "Proxy: {Source} ({Host}) {Why}; next: {Next}")]
    private static partial void LogPassedOver(ILogger logger, string source, string host, string why, string next);

    [LoggerMessage(EventId = 101, Level = LogLevel.Error,
        Message = "Proxy: {Source} served bytes for {Digest} that hash to {Actual} ({Url}); the client's connection was cut before the last byte")]
    private static partial void LogDigestMismatch(ILogger logger, string source, string url, string digest, string actual);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Proxy: {Source} ({Host}) broke off mid-answer ({Error}: {Detail}); the client's connection was cut")]
    private static partial void LogCut(ILogger logger, string source, string host, string error, string detail);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Proxy: {Limit} downloads in flight (Proxy:MaxConcurrent); answered 503 with Retry-After")]
    private static partial void LogBusy(ILogger logger, int limit);
}
