using System.Net;
using System.Threading.RateLimiting;
using Geranos.Source;
using Geranos.Source.Http;

namespace Geranos.Cli;

/// <summary>
/// The transport below the source <see cref="RegistryPipeline"/>: pooled connections recycled every few minutes (so
/// DNS changes are seen), no automatic decompression (blob bytes must hash to their digest as sent), and the
/// <c>--source-rps</c> limiter in front. Each attempt gets <see cref="AttemptTimeout"/> for its answer's headers (and
/// a manifest's or page's body) but no limit on reading a blob body (a large layer takes as long as it takes).
/// </summary>
internal static class SourceHttp
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromMinutes(2);

    public static HttpMessageHandler Create(RateLimiter? limiter)
    {
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AllowAutoRedirect = true,
        };
        return limiter is null ? sockets : new RateLimitingHandler(limiter) { InnerHandler = sockets };
    }
}
