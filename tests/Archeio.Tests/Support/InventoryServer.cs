using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 serving a mirror inventory at <c>/geranos/inventory.txt</c> as a bucket
/// would: with an <c>ETag</c> (of the body) and/or a <c>Last-Modified</c>, answering 304 to conditions
/// that match. Counts what it was asked and answered.
/// </summary>
internal sealed class InventoryServer : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly Lock _lock = new();
    private string _body = string.Empty;
    private int _requests;
    private int _notModified;

    public string Url => _server.BaseUrl + "/geranos/inventory.txt";

    /// <summary>The inventory text served.</summary>
    public string Body
    {
        get
        {
            lock (_lock)
            {
                return _body;
            }
        }

        set
        {
            lock (_lock)
            {
                _body = value;
            }
        }
    }

    /// <summary>Whether an <c>ETag</c> is sent (and <c>If-None-Match</c> honoured).</summary>
    public bool SendETag { get; set; } = true;

    /// <summary>The <c>Last-Modified</c> sent (and compared with <c>If-Modified-Since</c>), if any.</summary>
    public DateTimeOffset? LastModified { get; set; }

    /// <summary>Status to answer every request with instead of the inventory, when set.</summary>
    public int? ForcedStatus { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public int NotModifiedAnswers => Volatile.Read(ref _notModified);

    public string? LastIfNoneMatch { get; private set; }

    public string? LastIfModifiedSince { get; private set; }

    public static string ETagOf(string body) => "\"" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..16] + "\"";

    public static async Task<InventoryServer> StartAsync(string body = "")
    {
        var server = new InventoryServer { Body = body };
        server._server = await LoopbackServer.StartAsync(server.HandleAsync);
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        LastIfNoneMatch = context.Request.Headers.IfNoneMatch.ToString() is { Length: > 0 } inm ? inm : null;
        LastIfModifiedSince = context.Request.Headers.IfModifiedSince.ToString() is { Length: > 0 } ims ? ims : null;
        if (ForcedStatus is { } forced)
        {
            context.Response.StatusCode = forced;
            return;
        }

        if (context.Request.Path != "/geranos/inventory.txt")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        var body = Body;
        var etag = ETagOf(body);
        if (SendETag)
        {
            context.Response.Headers.ETag = etag;
        }

        if (LastModified is { } lastModified)
        {
            context.Response.Headers.LastModified = lastModified.ToString("R", CultureInfo.InvariantCulture);
        }

        var notModified = (SendETag && LastIfNoneMatch == etag)
            || (LastModified is { } modified && LastIfModifiedSince is { } since
                && DateTimeOffset.TryParse(since, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var sinceTime)
                && modified <= sinceTime);
        if (notModified)
        {
            Interlocked.Increment(ref _notModified);
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }
}
