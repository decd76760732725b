using System.Collections.Concurrent;
using System.Globalization;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Blobs.Probes;

/// <summary>
/// A loopback mirror serving one object under <c>/containers/images/&lt;digest&gt;</c>, honouring
/// <c>Range: bytes=a-b</c> the way object stores do, and switched by the test into the ways real targets break.
/// Records every request's method and Range header.
/// </summary>
internal sealed class ProbeTarget : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _paths = new();
    private LoopbackServer _server = null!;

    private ProbeTarget(byte[] content)
    {
        Content = content;
        Digest = Archeio.Oci.Digests.Digest.Sha256(content);
    }

    public byte[] Content { get; }

    public string Digest { get; }

    public TargetMode Mode { get; set; }

    /// <summary>"METHOD Range" of each request (Range empty when absent).</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>The path of each request.</summary>
    public IReadOnlyCollection<string> Paths => _paths;

    public string BlobUrlTemplate => _server.BaseUrl + "/containers/images/{digest}";

    public static async Task<ProbeTarget> StartAsync(int size)
    {
        var content = new byte[size];
        new Random(size).NextBytes(content);
        var target = new ProbeTarget(content);
        target._server = await LoopbackServer.StartAsync(target.HandleAsync);
        return target;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var range = context.Request.Headers.Range.ToString();
        _requests.Enqueue(context.Request.Method + " " + range);
        _paths.Enqueue(context.Request.Path.Value!);
        var response = context.Response;
        if (Mode == TargetMode.Redirect && !context.Request.Path.StartsWithSegments("/real", StringComparison.Ordinal))
        {
            response.StatusCode = 307;
            response.Headers.Location = "/real" + context.Request.Path;
            return;
        }

        if (Mode == TargetMode.Hang)
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }

        if (!context.Request.Path.Value!.EndsWith("/" + Digest, StringComparison.Ordinal) || (Mode == TargetMode.HeadMissing && HttpMethods.IsHead(context.Request.Method)))
        {
            response.StatusCode = 404;
            return;
        }

        var body = Mode == TargetMode.Corrupt ? [.. Content.Select(b => (byte)~b)] : Content;
        if (range.Length > 0 && Mode != TargetMode.RangeIgnored)
        {
            if (Mode == TargetMode.RangeRefused)
            {
                response.StatusCode = 400;
                return;
            }

            var (from, to) = Parse(range, body.Length);
            response.StatusCode = 206;
            response.Headers.ContentRange = $"bytes {from}-{to}/{body.Length}";
            var part = body[(int)from..(int)(to + 1)];
            if (Mode == TargetMode.RangeWrongBytes)
            {
                part = [.. part.Reverse()];
            }

            response.ContentLength = part.Length;
            await response.Body.WriteAsync(part);
            return;
        }

        response.StatusCode = 200;
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        if (Mode == TargetMode.Truncated)
        {
            await response.Body.WriteAsync(body.AsMemory(0, body.Length / 2));
            await response.Body.FlushAsync();
            context.Abort();
            return;
        }

        await response.Body.WriteAsync(body);
    }

    private static (long From, long To) Parse(string range, long length)
    {
        var spec = range["bytes=".Length..].Split('-');
        var from = long.Parse(spec[0], CultureInfo.InvariantCulture);
        var to = Math.Min(long.Parse(spec[1], CultureInfo.InvariantCulture), length - 1);
        return (from, to);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>How a <see cref="ProbeTarget"/> answers.</summary>
internal enum TargetMode
{
    /// <summary>Like a working object store.</summary>
    Good,

    /// <summary>Every request with a Range header gets 400 (the CDN of August 2026).</summary>
    RangeRefused,

    /// <summary>Ranges are ignored: 200 with the whole object.</summary>
    RangeIgnored,

    /// <summary>A 206 of the right length and Content-Range, with other bytes.</summary>
    RangeWrongBytes,

    /// <summary>Every body is other bytes of the same length.</summary>
    Corrupt,

    /// <summary>HEAD answers 404, GET works.</summary>
    HeadMissing,

    /// <summary>A whole GET sends half its Content-Length, then drops the connection.</summary>
    Truncated,

    /// <summary>Every request first gets a 307 to the same object under <c>/real</c>.</summary>
    Redirect,

    /// <summary>Never answers.</summary>
    Hang,
}
