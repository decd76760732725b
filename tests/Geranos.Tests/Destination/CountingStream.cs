namespace Geranos.Tests.Destination;

/// <summary>
/// A read-only stream over <c>content</c> that counts what is read, and can lie: end early (<c>stopAfter</c>), throw an
/// <see cref="IOException"/> after some bytes (<c>failAfter</c>), or never end (<c>endless</c>: the content repeats
/// forever), to prove the copier stops reading where it should. It cannot seek: it can only be read once.
/// </summary>
internal sealed class CountingStream(byte[] content, long? stopAfter = null, long? failAfter = null, bool endless = false) : Stream
{
    private long _position;

    /// <summary>Bytes handed out so far.</summary>
    public long BytesRead => _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (failAfter is { } fail && _position >= fail)
        {
            throw new IOException("the source connection broke");
        }

        var end = endless ? long.MaxValue : Math.Min(content.Length, stopAfter ?? long.MaxValue);
        var count = (int)Math.Min(buffer.Length, end - _position);
        if (failAfter is { } limit)
        {
            count = (int)Math.Min(count, limit - _position);
        }

        for (var i = 0; i < count; i++)
        {
            buffer[i] = content[(_position + i) % content.Length];
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
