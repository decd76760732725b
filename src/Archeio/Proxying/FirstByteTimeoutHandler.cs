namespace Archeio.Proxying;

/// <summary>
/// Bounds the wait for a source's response headers (a token fetch and the source's redirects included) to
/// <c>Proxy:FirstByteTimeout</c>, on the injected clock. Past it the request fails as a timeout
/// (<see cref="TaskCanceledException"/> with a <see cref="TimeoutException"/> inside, as <see cref="HttpClient.Timeout"/>
/// reports one), which the forwarder reports as a 504 or passes over for the next source. The body's pace is the
/// forwarder's activity timeout (<c>Proxy:IdleTimeout</c>).
/// </summary>
internal sealed class FirstByteTimeoutHandler(TimeSpan timeout, TimeProvider time) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            return await base.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TaskCanceledException($"no response headers from {request.RequestUri?.Authority} within {timeout}", new TimeoutException(e.Message, e));
        }
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        => throw new NotSupportedException("asynchronous only");
}
