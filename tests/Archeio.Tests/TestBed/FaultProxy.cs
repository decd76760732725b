using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Archeio.TestBed;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Archeio.Tests.TestBed;

/// <summary>
/// An HTTP proxy on 127.0.0.1 in front of one peer (a mirror or a registry) that breaks downloads on purpose,
/// as a flaky network or a broken CDN does. Every request is forwarded to <see cref="TargetBaseUrl"/> with its
/// method, path, query and headers (<c>Range</c>, <c>Accept</c>, <c>If-*</c>, <c>User-Agent</c>, …), and the
/// answer comes back with its status and headers (<c>Content-Length</c>, <c>Content-Range</c>, <c>ETag</c>,
/// <c>Location</c>, <c>Docker-Content-Digest</c>, …; redirects are passed on, not followed), its body streamed
/// through a small buffer, never held whole. What it breaks is its <see cref="Plan"/>: cut a blob's body after N
/// bytes (the client sees the connection close short of the Content-Length), and/or answer every request that
/// carries <c>Range</c> with 400. Each request is logged (<see cref="Log"/>) once it is over, so a test reads
/// from it what the client did: a resume shows as a second GET with <c>Range</c>, a restart as one without.
/// </summary>
internal sealed class FaultProxy : IAsyncDisposable
{
    /// <summary>Headers of one hop only (RFC 9110 §7.6.1), and those the proxy's own client and server set.</summary>
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE", "Trailer",
        "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Date", "Server",
    };

    /// <summary>A bound on any one forwarded request, so that a stuck peer fails the test instead of hanging it.</summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    /// <summary>How long a cut connection waits for the client to close its side before it is dropped anyway.</summary>
    private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        UseCookies = false,
        UseProxy = false,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    // Keyed by arrival: a cut request may end (and be logged) after the retry it provoked, but a test reads the
    // requests in the order the client sent them.
    private readonly ConcurrentDictionary<long, FaultProxyEntry> _log = new();
    private readonly Lock _lock = new();
    private WebApplication? _app;
    private string? _baseUrl;
    private FaultPlan _plan = FaultPlan.None;
    private bool _firstGetTaken;
    private int _inFlight;
    private long _arrived;

    private FaultProxy(string name, string targetBaseUrl)
    {
        Name = name;
        TargetBaseUrl = targetBaseUrl.TrimEnd('/');
    }

    /// <summary>What the proxy stands in front of, for messages (e.g. <c>static</c>, <c>upstream</c>).</summary>
    public string Name { get; }

    public string TargetBaseUrl { get; }

    /// <summary><c>http://127.0.0.1:&lt;port&gt;</c>, without a trailing slash.</summary>
    public string BaseUrl => _baseUrl ?? throw new InvalidOperationException("not started");

    /// <summary>
    /// The faults to inject from now on. Setting it (even to the same plan) re-arms <see cref="CutPolicy.FirstGet"/>:
    /// the next GET of the plan's blob is cut again.
    /// </summary>
    public FaultPlan Plan
    {
        get { lock (_lock) { return _plan; } }
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            lock (_lock)
            {
                _plan = value;
                _firstGetTaken = false;
            }
        }
    }

    /// <summary>Every request that has ended so far, in the order they arrived.</summary>
    public IReadOnlyList<FaultProxyEntry> Log => Since(0);

    /// <summary>How many requests have arrived so far: <see cref="Since"/> of it lists only later ones.</summary>
    public long Mark() => Interlocked.Read(ref _arrived);

    public IReadOnlyList<FaultProxyEntry> Since(long mark)
        => [.. _log.Where(entry => entry.Key >= mark).OrderBy(entry => entry.Key).Select(entry => entry.Value)];

    /// <summary>Requests being answered right now (their entries are not in <see cref="Log"/> yet).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public static async Task<FaultProxy> StartAsync(string name, string targetBaseUrl)
    {
        var proxy = new FaultProxy(name, targetBaseUrl);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        // A flush completes only once the socket took every byte written (pause at 2 unsent bytes, resume at 0; the
        // default lets 64 KiB wait): at a cut nothing written is left in the transport's buffer, which the shutdown
        // would lose and whose failed send would reset the connection.
        builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = 2);
        proxy._app = builder.Build();
        proxy._app.Run(proxy.HandleAsync);
        await proxy._app.StartAsync();
        proxy._baseUrl = proxy._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return proxy;
    }

    /// <summary>
    /// Waits (bounded) until no request is being answered, so that every request a finished pull made is in
    /// <see cref="Log"/>: a client may be done with a body before the proxy has logged it.
    /// </summary>
    public Task WhenIdleAsync(TimeSpan? timeout = null)
        => Eventually.TrueAsync(() => InFlight == 0, $"{Name} proxy idle ({InFlight} request(s) in flight)", timeout ?? TimeSpan.FromSeconds(10));

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _inFlight);
        var arrival = Interlocked.Increment(ref _arrived) - 1;
        var started = TimeProvider.System.GetTimestamp();
        var request = context.Request;
        var path = request.Path.Value + request.QueryString.Value;
        var range = request.Headers.Range.Count > 0 ? request.Headers.Range.ToString() : null;
        var status = 0;
        long sent = 0;
        var cut = false;
        string? error = null;
        try
        {
            var plan = Plan;
            if (plan.RefuseRanges && range is not null)
            {
                // The broken CDN of August 2026: a HEAD without Range says the object is there; any Range is a 400.
                status = StatusCodes.Status400BadRequest;
                context.Response.StatusCode = status;
                context.Response.ContentType = "application/xml";
                var body = "<Error><Code>InvalidRange</Code><Message>Range requests are not supported</Message></Error>"u8.ToArray();
                context.Response.ContentLength = body.Length;
                await context.Response.Body.WriteAsync(body, context.RequestAborted);
                sent = body.Length;
                return;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            limit.CancelAfter(RequestTimeout);
            using var forward = Forward(request, path);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, limit.Token);
            }
            catch (HttpRequestException ex)
            {
                error = ex.Message;
                status = StatusCodes.Status502BadGateway;
                context.Response.StatusCode = status;
                return;
            }

            using (response)
            {
                status = (int)response.StatusCode;
                context.Response.StatusCode = status;
                CopyHeaders(response, context.Response);
                var cutAfter = CutAfter(plan, request.Method, path, status, response.Content.Headers.ContentLength);
                if (HttpMethods.IsHead(request.Method))
                {
                    return;
                }

                await using var body = await response.Content.ReadAsStreamAsync(limit.Token);
                (sent, cut) = await CopyBodyAsync(body, context, cutAfter, limit.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client went away (or the peer did, mid-body): logged, not thrown into Kestrel.
            error = ex.GetType().Name + ": " + ex.Message;
        }
        finally
        {
            _log[arrival] = new FaultProxyEntry(request.Method, path, range, status, sent, cut, error, TimeProvider.System.GetElapsedTime(started));
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private HttpRequestMessage Forward(HttpRequest request, string path)
    {
        var forward = new HttpRequestMessage(new HttpMethod(request.Method), TargetBaseUrl + path);
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            forward.Content = new StreamContent(request.Body);
            if (request.ContentLength is { } length)
            {
                forward.Content.Headers.ContentLength = length;
            }
        }

        foreach (var (name, values) in request.Headers)
        {
            if (NotForwarded.Contains(name))
            {
                continue;
            }

            if (!forward.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values) && hasBody)
            {
                forward.Content!.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        return forward;
    }

    private static void CopyHeaders(HttpResponseMessage from, HttpResponse to)
    {
        foreach (var (name, values) in from.Headers.Concat(from.Content.Headers))
        {
            if (!NotForwarded.Contains(name))
            {
                to.Headers[name] = values.ToArray();
            }
        }

        if (from.Content.Headers.ContentLength is { } length)
        {
            to.ContentLength = length;
        }
    }

    /// <summary>After how many body bytes this answer is to be cut, or null to pass it whole.</summary>
    private long? CutAfter(FaultPlan plan, string method, string path, int status, long? contentLength)
    {
        if (plan.Cut == CutPolicy.None || plan.CutDigest is null || !HttpMethods.IsGet(method) || status is < 200 or > 299
            || !path.EndsWith("/" + plan.CutDigest, StringComparison.Ordinal) || contentLength <= plan.CutAfterBytes)
        {
            return null;
        }

        lock (_lock)
        {
            if (!ReferenceEquals(plan, _plan) || (plan.Cut == CutPolicy.FirstGet && _firstGetTaken))
            {
                return null;
            }

            _firstGetTaken = true;
            return plan.CutAfterBytes;
        }
    }

    /// <summary>Streams the body; at <paramref name="cutAfter"/> bytes, flushes what was written and drops the connection.</summary>
    private static async Task<(long Sent, bool Cut)> CopyBodyAsync(Stream body, HttpContext context, long? cutAfter, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long sent = 0;
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                var count = cutAfter is { } limit ? (int)Math.Min(read, limit - sent) : read;
                await context.Response.Body.WriteAsync(buffer.AsMemory(0, count), cancellationToken);
                sent += count;
                if (sent == cutAfter)
                {
                    await CutAsync(context, cancellationToken);
                    return (sent, true);
                }
            }

            return (sent, false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Ends the connection short of the Content-Length with a FIN after the bytes written, as a peer that closes
    /// mid-body does: the client reads them, then an unexpected EOF. Kestrel's own abort resets the connection
    /// instead, which clients report as "connection reset" (and some, such as containerd, only resume after an EOF).
    /// The connection is dropped once the client has closed its side (it gave up on this body), or after a while.
    /// </summary>
    private static async Task CutAsync(HttpContext context, CancellationToken cancellationToken)
    {
        await context.Response.Body.FlushAsync(cancellationToken);
        if (context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            socket.Shutdown(SocketShutdown.Send);
            try
            {
                await Task.Delay(CloseWait, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The client closed its side (RequestAborted): expected.
            }
        }

        context.Abort();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
    }
}
