using Archeio.Oci.Auth;
using Microsoft.Extensions.Http.Resilience;

namespace Geranos.Source.Http;

/// <summary>
/// The <see cref="HttpClient"/> that <see cref="RegistryClient"/> sends on, layered like the protocol:
/// <see cref="RegistryAuthHandler"/> (the <c>WWW-Authenticate</c> challenge and the token cache) above the
/// Microsoft.Extensions.Http.Resilience <see cref="ResilienceHandler"/> with <see cref="RegistryRetry"/>'s pipeline,
/// above <see cref="AttemptHandler"/> (counting, buffering), above the caller's transport (the rate limiter and the
/// sockets). Auth sits above the retries so that a token fetch is retried like any request and a 401 is not.
/// The client's own timeout is off: an attempt's timeout is in the retry pipeline, so it bounds each attempt, not
/// the retries' sum. Disposing ends the client; the transport stays the caller's.
/// </summary>
internal sealed class RegistryPipeline : IDisposable
{
    private readonly AttemptHandler _attempts;

    /// <param name="transport">Sends each attempt; owned by the caller, never disposed here.</param>
    /// <param name="credentials">For basic auth and token realms; null for anonymous.</param>
    /// <param name="retry">When to try a request again; null for <see cref="RetryPolicy.Default"/>.</param>
    /// <param name="time">Delays, timeouts and token lifetimes run on it.</param>
    /// <param name="attemptTimeout">How long one attempt may take until its response (and a buffered body) is in; null for no limit.</param>
    public RegistryPipeline(HttpMessageHandler transport, RegistryCredentials? credentials = null, RetryPolicy? retry = null, TimeProvider? time = null, TimeSpan? attemptTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        Time = time ?? TimeProvider.System;
        _attempts = new AttemptHandler { InnerHandler = transport };
        var retries = new ResilienceHandler(RegistryRetry.Create(retry ?? RetryPolicy.Default, Time, attemptTimeout)) { InnerHandler = _attempts };
        Http = new HttpClient(new RegistryAuthHandler(credentials, Time) { InnerHandler = retries }, disposeHandler: false)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public HttpClient Http { get; }

    public TimeProvider Time { get; }

    /// <summary>How many HTTP requests went out, retries and token fetches included (for tests and progress).</summary>
    public int RequestCount => _attempts.Count;

    /// <summary>Ends the client; the transport stays the caller's.</summary>
    public void Dispose() => Http.Dispose();
}
