namespace Archeio.Http;

/// <summary>
/// A stream that is only written, and only asynchronously: what a response body wrapper is under Kestrel, which
/// allows no synchronous I/O. Subclasses implement <see cref="Stream.WriteAsync(ReadOnlyMemory{byte}, CancellationToken)"/>
/// (and <see cref="Stream.FlushAsync(CancellationToken)"/>); every other member refuses.
/// </summary>
internal abstract class AsyncWriteOnlyStream : Stream
{
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("asynchronous writes only");

    public override void Flush() => throw new NotSupportedException("asynchronous flushes only");

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
