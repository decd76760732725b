using System.Net;

namespace Archeio.Http;

/// <summary>The HTTP client of a health probe, for mirrors (Blobs/Probes/MirrorProber.cs) and upstreams (Upstreams/UpstreamProber.cs) alike, and the client-shaped handler it shares with the proxy.</summary>
internal static class ProbeHttpClient
{
    /// <summary>
    /// As clients do: follow the target's redirects (a CDN to its storage, a signed URL; at most 5), take bytes as sent,
    /// keep no cookies. The handler lives as long as the process (and a token cache in it); no client timeout, since each
    /// probe bounds itself on the injected clock. Pooled connections are renewed after
    /// <paramref name="pooledConnectionLifetime"/>, so that a target that moved or died is dialled afresh.
    /// </summary>
    public static IHttpClientBuilder AsProbeClient(this IHttpClientBuilder client, TimeSpan pooledConnectionLifetime)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client
            .ConfigurePrimaryHttpMessageHandler(() => ClientShapedHandler(pooledConnectionLifetime))
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// A handler that fetches as registry clients do: follows the target's redirects (a CDN to its storage, a registry
    /// to its bucket, a signed URL; at most 5; Authorization is dropped on the way), takes bytes as sent (no
    /// decompression: digests are of the stored bytes), keeps no cookies. For the probes and the proxy
    /// (Proxying/ProxyForwarder.cs).
    /// </summary>
    public static SocketsHttpHandler ClientShapedHandler(TimeSpan pooledConnectionLifetime) => new()
    {
        AllowAutoRedirect = true,
        MaxAutomaticRedirections = 5,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = pooledConnectionLifetime,
        UseCookies = false,
    };
}
