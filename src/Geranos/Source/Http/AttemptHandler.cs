namespace Geranos.Source.Http;

/// <summary>
/// The bottom of the source pipeline, once per attempt: counts every request that goes out (retries and token
/// fetches included), and reads the body of a <see cref="Buffered"/> request into memory while the attempt's
/// timeout still runs, so a body that stalls fails the attempt like a late response does.
/// </summary>
internal sealed class AttemptHandler : DelegatingHandler
{
    /// <summary>Set on a request whose body the caller reads whole (manifests, pages, tokens are small).</summary>
    public static readonly HttpRequestOptionsKey<bool> Buffered = new("Geranos.Source.Buffered");

    private int _count;

    /// <summary>Requests sent so far.</summary>
    public int Count => Volatile.Read(ref _count);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Interlocked.Increment(ref _count);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (request.Options.TryGetValue(Buffered, out var buffered) && buffered)
        {
            try
            {
                await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        return response;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        => throw new NotSupportedException("source requests are asynchronous only");
}
