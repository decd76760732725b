using System.Collections.Concurrent;
using System.Net;

namespace Archeio.TestBed;

/// <summary>
/// An HTTP handler whose answers a test controls: each request waits at a gate (open unless
/// closed with <see cref="Hold"/>), then answers <see cref="Status"/>. Counts what it received.
/// </summary>
internal sealed class StubHttpHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<HttpRequestMessage> _requests = new();
    private TaskCompletionSource _gate = Opened();
    private TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HttpStatusCode Status { get; set; } = HttpStatusCode.OK;

    public int Count => _requests.Count;

    public IEnumerable<string> Paths => _requests.Select(r => r.RequestUri!.AbsolutePath);

    /// <summary>The <c>Accept</c> header of each request (empty when it had none), in order.</summary>
    public IEnumerable<string> Accepts => _requests.Select(r => string.Join(", ", r.Headers.Accept.Select(a => a.ToString())));

    /// <summary>Completes when a request has arrived since the last <see cref="Hold"/>.</summary>
    public Task Received => _received.Task;

    /// <summary>Requests from now on wait until <see cref="Release"/>.</summary>
    public void Hold()
    {
        _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public void Release() => _gate.TrySetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _requests.Enqueue(request);
        _received.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        return new HttpResponseMessage(Status) { RequestMessage = request };
    }

    private static TaskCompletionSource Opened()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
