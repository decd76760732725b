namespace Archeio.TestBed;

/// <summary>
/// What the signing fronts (<see cref="SigV4BucketFront"/>, <see cref="CloudFrontFront"/>) share: a node front of
/// <c>tests/TestBed/signing</c> on two free 127.0.0.1 ports, its verdict log and its adjustable clock. Verdicts are
/// written when a response has finished: wait for them with <see cref="WaitForAsync"/> / <see cref="WaitForNextAsync"/>.
/// </summary>
internal abstract class SigningFront : IAsyncDisposable
{
    private readonly SigningFrontProcess _front;

    private protected SigningFront(SigningFrontProcess front, string backendBaseUrl)
    {
        _front = front;
        BackendBaseUrl = backendBaseUrl;
    }

    public int Port => _front.Port;

    public int ControlPort => _front.ControlPort;

    /// <summary><c>http://127.0.0.1:port</c>: the endpoint to sign for.</summary>
    public string BaseUrl => _front.BaseUrl;

    /// <summary>The anonymous backend accepted requests go on to.</summary>
    public string BackendBaseUrl { get; }

    public IReadOnlyList<SigningVerdict> Verdicts => _front.Verdicts;

    public string Output => _front.Output;

    /// <summary><c>BaseUrl + path</c>, the path taken as is (e.g. <c>/bucket/key</c>).</summary>
    public Uri UriFor(string path) => new(BaseUrl + "/" + path.TrimStart('/'));

    public int Mark() => _front.Mark();

    public IReadOnlyList<SigningVerdict> Since(int mark) => _front.Since(mark);

    public Task<IReadOnlyList<SigningVerdict>> WaitForAsync(int mark, Func<IReadOnlyList<SigningVerdict>, bool> done, TimeSpan? timeout = null)
        => _front.WaitForAsync(mark, done, timeout);

    public Task<SigningVerdict> WaitForNextAsync(int mark, TimeSpan? timeout = null) => _front.WaitForNextAsync(mark, timeout);

    /// <summary>
    /// The first verdict after <paramref name="mark"/> that <paramref name="match"/> accepts (verdicts of requests
    /// answered just before the mark may still arrive after it, so pick by what the verdict is about).
    /// </summary>
    public async Task<SigningVerdict> WaitForVerdictAsync(int mark, Func<SigningVerdict, bool> match, TimeSpan? timeout = null)
        => (await _front.WaitForAsync(mark, v => v.Any(match), timeout)).First(match);

    /// <summary>The front's now becomes the system clock + <paramref name="offset"/> (may be negative); <see cref="TimeSpan.Zero"/> resets it.</summary>
    public Task SetClockOffsetAsync(TimeSpan offset) => _front.SetClockOffsetAsync(offset);

    public ValueTask DisposeAsync() => _front.DisposeAsync();
}
