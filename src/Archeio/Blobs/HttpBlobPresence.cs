using System.Net;
using Archeio.Configuration;
using Microsoft.Extensions.Caching.Memory;

namespace Archeio.Blobs;

/// <summary>
/// Checks a mirror by <c>HEAD &lt;mirror blob URL&gt;</c>: 200 means present; any other status, a redirect
/// (the mirror's own redirects are not followed), an error or a timeout means absent, so the request
/// falls through to the next mirror or the upstream. Blobs are content-addressed and immutable, so a
/// positive answer is cached; the cache is bounded in entries (<c>BlobCheck:MaxEntries</c>).
/// </summary>
internal sealed partial class HttpBlobPresence : IBlobPresence, IDisposable
{
    public const string HttpClientName = "blob-check";

    private readonly HttpClient _http;
    private readonly BlobCheckSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<HttpBlobPresence> _logger;
    private readonly MemoryCache _present;

    public HttpBlobPresence(IHttpClientFactory httpClientFactory, ArcheioSettings settings, TimeProvider time, ILogger<HttpBlobPresence> logger)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(settings);
        // One client for the service's lifetime: its handler pools connections to each mirror.
        _http = httpClientFactory.CreateClient(HttpClientName);
        _settings = settings.BlobCheck;
        _time = time;
        _logger = logger;
        _present = new MemoryCache(new MemoryCacheOptions { SizeLimit = _settings.MaxEntries });
    }

    /// <summary>Number of cached entries, for tests and diagnostics.</summary>
    public long CachedCount => _present.Count;

    public async ValueTask<bool> ExistsAsync(MirrorSettings mirror, string digest, CancellationToken cancellationToken)
    {
        var key = (mirror.Name, digest);
        if (_present.TryGetValue(key, out _))
        {
            return true;
        }

        var url = mirror.UrlFor(digest);
        using var timeout = new CancellationTokenSource(_settings.Timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var entry = _present.CreateEntry(key);
                entry.Size = 1;
                entry.Value = true;
                return true;
            }

            LogAbsent(_logger, mirror.Name, digest, (int)response.StatusCode);
            return false;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            LogTimeout(_logger, mirror.Name, digest, _settings.Timeout);
            return false;
        }
        catch (HttpRequestException ex)
        {
            LogFailed(_logger, mirror.Name, digest, ex.Message);
            return false;
        }
    }

    public void Dispose()
    {
        _present.Dispose();
        _http.Dispose();
    }

    /// <summary>Registers the HTTP client the checks use: a mirror's redirect is not "present", only a direct 200 counts.</summary>
    public static IHttpClientBuilder AddHttpClient(IServiceCollection services)
        => services.AddHttpClient(HttpClientName)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                UseCookies = false,
            })
            // SocketsHttpHandler pools and recycles connections itself; the factory need not rotate handlers.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Mirror {Mirror} does not hold {Digest}: HEAD answered {Status}")]
    private static partial void LogAbsent(ILogger logger, string mirror, string digest, int status);

    [LoggerMessage(EventId = 21, Level = LogLevel.Warning, Message = "Mirror {Mirror}: HEAD for {Digest} timed out after {Timeout}")]
    private static partial void LogTimeout(ILogger logger, string mirror, string digest, TimeSpan timeout);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "Mirror {Mirror}: HEAD for {Digest} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string mirror, string digest, string error);
}
