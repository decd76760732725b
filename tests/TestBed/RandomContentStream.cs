namespace Archeio.TestBed;

/// <summary>
/// A read-only, seekable stream of <paramref name="length"/> pseudo-random bytes that depend only on
/// <paramref name="seed"/>: big test content without holding it in memory.
/// </summary>
internal sealed class RandomContentStream(long length, int seed) : Stream
{
    private const int ChunkSize = 1 << 20;
    private readonly byte[] _chunk = new byte[ChunkSize];
    private long _chunkIndex = -1;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (read < buffer.Length && _position < length)
        {
            var index = _position / ChunkSize;
            if (index != _chunkIndex)
            {
                // Each chunk has its own generator, so that a seek costs at most one chunk.
#pragma warning disable CA5394 // Test content, not security.
                new Random(unchecked((seed * 1_000_003) + (int)index)).NextBytes(_chunk);
#pragma warning restore CA5394
                _chunkIndex = index;
            }

            var inChunk = (int)(_position % ChunkSize);
            var count = (int)Math.Min(Math.Min(ChunkSize - inChunk, buffer.Length - read), length - _position);
            _chunk.AsSpan(inChunk, count).CopyTo(buffer[read..]);
            read += count;
            _position += count;
        }

        return read;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
    {
        SeekOrigin.Begin => offset,
        SeekOrigin.Current => _position + offset,
        SeekOrigin.End => length + offset,
        _ => throw new ArgumentOutOfRangeException(nameof(origin)),
    };

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
