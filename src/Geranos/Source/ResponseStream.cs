using System.Globalization;

namespace Geranos.Source;

/// <summary>
/// A response body that disposes its response with it, so the connection goes back to the pool. With a progress
/// timeout, the body must deliver at least <see cref="MinProgressBytes"/> (or its end) for every timeout's worth of
/// waiting: a source that stalls mid-body, or drips a few bytes a second forever, fails with a
/// <see cref="TimeoutException"/> instead of holding the run. Only the time spent waiting inside reads counts, not the
/// time the caller spends between reads (uploading a part, say), so a slow destination never trips it.
/// </summary>
internal sealed class ResponseStream(Stream inner, HttpResponseMessage response, TimeSpan? progressTimeout = null, TimeProvider? time = null) : Stream
{
    /// <summary>What counts as progress: 64 KiB, so the default 60 s allows anything faster than about 1 KiB/s.</summary>
    public const int MinProgressBytes = 64 * 1024;

    private readonly Stream _inner = inner;
    private readonly HttpResponseMessage _response = response;
    private readonly TimeSpan? _progressTimeout = progressTimeout;
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Time spent waiting in reads since progress was last made.</summary>
    private TimeSpan _waited;

    /// <summary>Bytes read since progress was last made.</summary>
    private long _received;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _response.Content.Headers.ContentLength ?? throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => _progressTimeout is { } timeout ? ReadWithTimeoutAsync(buffer, timeout, cancellationToken) : _inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _response.Dispose();
        }

        base.Dispose(disposing);
    }

    private async ValueTask<int> ReadWithTimeoutAsync(Memory<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var left = timeout - _waited;
        if (left <= TimeSpan.Zero)
        {
            throw Timeout(timeout);
        }

        var started = _time.GetTimestamp();
        using var idle = new CancellationTokenSource(left, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        int read;
        try
        {
            read = await _inner.ReadAsync(buffer, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (idle.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw Timeout(timeout);
        }

        _waited += _time.GetElapsedTime(started);
        _received += read;
        if (_received >= MinProgressBytes)
        {
            _waited = TimeSpan.Zero;
            _received = 0;
        }

        return read;
    }

    private TimeoutException Timeout(TimeSpan timeout) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"{_response.RequestMessage?.RequestUri}: the source sent {_received} bytes in {timeout.TotalSeconds:0.###} s, fewer than {MinProgressBytes} (--source-timeout)"));
}
