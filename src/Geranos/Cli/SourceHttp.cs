using System.Net;
using System.Threading.RateLimiting;
using Geranos.Source;

namespace Geranos.Cli;

/// <summary>
/// The HTTP client for the source registry: pooled connections recycled every few minutes (so DNS changes are
/// seen), no automatic decompression (blob bytes must hash to their digest as sent), two minutes for an answer's headers
/// but no limit on reading a body (a large layer takes as long as it takes), and the <c>--source-rps</c> limiter in front.
/// </summary>
internal static class SourceHttp
{
    public static HttpClient Create(RateLimiter? limiter)
    {
        var sockets = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AllowAutoRedirect = true,
        };
        HttpMessageHandler handler = limiter is null ? sockets : new RateLimitingHandler(limiter) { InnerHandler = sockets };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }
}
