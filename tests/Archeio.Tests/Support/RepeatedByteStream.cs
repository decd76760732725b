
namespace Archeio.Tests.Support;

/// <summary>
/// A read-only stream of <c>prefix</c> followed by <c>fillLength</c> copies of one byte: huge input
/// (a line with no end) without holding it in memory. <see cref="Position"/> tells how much was read.
/// </summary>
internal sealed class RepeatedByteStream(byte[] prefix, byte fill, long fillLength) : Stream
{
    private long _position;

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
        var total = prefix.Length + fillLength;
        var count = (int)Math.Min(buffer.Length, total - _position);
        for (var i = 0; i < count; i++)
        {
            var at = _position + i;
            buffer[i] = at < prefix.Length ? prefix[at] : fill;
        }

        _position += count;
        return count;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
