using System.Collections.Concurrent;
using Archeio.TestBed;
using Microsoft.AspNetCore.Http;

namespace Archeio.Tests.Support;

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for an object-storage mirror: blobs live under
/// <c>/containers/images/&lt;digest&gt;</c>, HEAD and GET answer 200 for the blobs it holds and 404 otherwise.
/// Counts the requests it gets, so tests can see what was (not) asked.
/// </summary>
internal sealed class LoopbackMirror : IAsyncDisposable
{
    private LoopbackServer _server = null!;
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly TaskCompletionSource _firstRequest = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string BaseUrl => _server.BaseUrl;

    /// <summary>The mirror's <c>BlobUrl</c> template.</summary>
    public string BlobUrlTemplate => BaseUrl + "/containers/images/{digest}";

    /// <summary>"METHOD path" of every request received, in order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>Status to answer for every request instead of the normal behaviour, when set.</summary>
    public int? ForcedStatus { get; set; }

    /// <summary>How long to take before answering, to simulate a slow mirror.</summary>
    public TimeSpan Latency { get; set; }

    /// <summary>When set, every request waits for this task before it is answered (a mirror held by the test).</summary>
    public Task? Hold { get; set; }

    /// <summary>Completes when the first request has arrived.</summary>
    public Task FirstRequest => _firstRequest.Task;

    public static async Task<LoopbackMirror> StartAsync()
    {
        var mirror = new LoopbackMirror();
        mirror._server = await LoopbackServer.StartAsync(mirror.HandleAsync);
        return mirror;
    }

    public void Add(string digest, byte[]? content = null) => _blobs[digest] = content ?? [1, 2, 3];

    private async Task HandleAsync(HttpContext context)
    {
        _requests.Enqueue(context.Request.Method + " " + context.Request.Path);
        _firstRequest.TrySetResult();
        if (Hold is { } hold)
        {
            await hold;
        }

        if (Latency > TimeSpan.Zero)
        {
            await Task.Delay(Latency);
        }

        if (ForcedStatus is { } forced)
        {
            context.Response.StatusCode = forced;
            return;
        }

        const string prefix = "/containers/images/";
        const string redirect = "/redirect/";
        var path = context.Request.Path.Value ?? string.Empty;
        if (path.StartsWith(redirect, StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status302Found;
            context.Response.Headers.Location = prefix + path[redirect.Length..];
            return;
        }

        if (path.StartsWith(prefix, StringComparison.Ordinal) && _blobs.TryGetValue(path[prefix.Length..], out var content))
        {
            context.Response.ContentLength = content.Length;
            context.Response.ContentType = "application/octet-stream";
            if (HttpMethods.IsGet(context.Request.Method))
            {
                await context.Response.Body.WriteAsync(content);
            }

            return;
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
    }
}
