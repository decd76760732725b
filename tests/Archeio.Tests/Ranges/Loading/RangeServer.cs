using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Ranges.Loading;

/// <summary>
/// A provider's range file on a real loopback HTTP server, as the providers serve it: with an
/// <c>ETag</c> derived from the body and, when set, a <c>Last-Modified</c>; conditions that match get a
/// 304. A test changes <see cref="Body"/> between refreshes, or scripts a bad answer with
/// <see cref="Misbehave"/>.
/// </summary>
internal sealed class RangeServer : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(string? IfNoneMatch, string? IfModifiedSince)> _conditions = [];
    private LoopbackServer? _server;
    private string _body = "{}";
    private int _notModified;

    public string Url { get; private set; } = string.Empty;

    public string Body
    {
        get { lock (_lock) { return _body; } }
        set { lock (_lock) { _body = value; } }
    }

    /// <summary>Whether the answer carries an ETag (and If-None-Match is honoured).</summary>
    public bool SendETag { get; set; } = true;

    public DateTimeOffset? LastModified { get; set; }

    /// <summary>When set, answers every request instead of the file (an error status, a hang, a cut body).</summary>
    public Func<HttpContext, Task>? Misbehave { get; set; }

    /// <summary>The conditions of every request received, in order.</summary>
    public IReadOnlyList<(string? IfNoneMatch, string? IfModifiedSince)> Conditions
    {
        get { lock (_lock) { return [.. _conditions]; } }
    }

    public int NotModifiedAnswers => Volatile.Read(ref _notModified);

    public static string ETagOf(string body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..12] + "\"";

    public static async Task<RangeServer> StartAsync(string body, string path = "/ip-ranges.json")
    {
        var server = new RangeServer { Body = body };
        server._server = await LoopbackServer.StartAsync(server.HandleAsync);
        server.Url = server._server.BaseUrl + path;
        return server;
    }

    /// <summary>A request that never gets an answer until the client gives up.</summary>
    public static async Task Hang(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Announces <paramref name="body"/>'s length but sends only its first half, then ends.</summary>
    public static Func<HttpContext, Task> Truncate(string body) => async context =>
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes.AsMemory(0, bytes.Length / 2));
        await context.Response.Body.FlushAsync();
    };

    /// <summary>Stops listening: the port refuses connections from then on. Safe to call twice.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _server, null) is { } server)
        {
            await server.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var ifNoneMatch = context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } inm ? inm : null;
        var ifModifiedSince = context.Request.Headers.IfModifiedSince.ToString() is { Length: > 0 } ims ? ims : null;
        lock (_lock)
        {
            _conditions.Add((ifNoneMatch, ifModifiedSince));
        }

        if (Misbehave is { } misbehave)
        {
            await misbehave(context);
            return;
        }

        var body = Body;
        var etag = ETagOf(body);
        if (SendETag)
        {
            context.Response.Headers.ETag = etag;
        }

        if (LastModified is { } modified)
        {
            context.Response.Headers.LastModified = modified.ToString("R", CultureInfo.InvariantCulture);
        }

        var unchanged = SendETag
            ? ifNoneMatch == etag
            : LastModified is { } lastModified && ifModifiedSince is not null
                && DateTimeOffset.Parse(ifModifiedSince, CultureInfo.InvariantCulture) >= lastModified;
        if (unchanged)
        {
            Interlocked.Increment(ref _notModified);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    }
}
