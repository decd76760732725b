using System.Buffers;
using System.Security.Cryptography;
using Archeio.Http;
using Archeio.Oci.Digests;

namespace Archeio.Proxying;

/// <summary>
/// The client's response body while a proxied answer streams into it: counts the bytes, and for a content-addressed
/// answer hashes them and holds back the write that would complete the object, so that the last bytes reach the client
/// only after <see cref="FinishAsync"/> found the whole hash equal to the requested digest. A client never receives a
/// complete wrong object: a blob or manifest whose bytes do not hash to its digest is cut short (its Content-Length
/// unmet), whatever the source declared.
/// </summary>
/// <remarks>
/// SHA-256 runs at about 1 GB/s on one core (docs/performance.md, "Proxied downloads"), as slow as the rest of the
/// stream together, so the copy around it must cost nothing more: with the answer's length known (a source's
/// Content-Length, as buckets and registries send for every blob), a write that cannot complete the object goes to
/// the client at once and is hashed on this thread while Kestrel's output loop sends it (both only read the
/// forwarder's buffer, which is reused only after this returns): no copy, no thread hop. Only the write that reaches
/// the length is copied and held (one pooled buffer per stream, as large as the forwarder's writes: 64 KiB). Without a
/// length (a chunked answer) every write is held until the next one arrives: the last write is never known before the
/// body ends.
/// </remarks>
internal sealed class ProxyBody : AsyncWriteOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash? _hash;
    private readonly string? _digest;
    private readonly long? _length;
    private readonly TimeProvider _time;
    private byte[]? _held;
    private int _heldLength;
    private long _lastWrite;

    /// <param name="inner">The client's response body.</param>
    /// <param name="digest">The requested digest when the answer is the whole object (200 to a GET); null: only counted.</param>
    /// <param name="length">The answer's Content-Length, when the source sent one.</param>
    /// <param name="time">The clock of <see cref="SinceLastWrite"/>.</param>
    public ProxyBody(Stream inner, string? digest, long? length, TimeProvider time)
    {
        _inner = inner;
        _time = time;
        _length = length;
        _lastWrite = time.GetTimestamp();
        if (digest is not null && Digest.TryCreateHash(digest, out var hash, out _))
        {
            _hash = hash;
            _digest = digest;
        }
    }

    /// <summary>Bytes written to the client so far.</summary>
    public long Written { get; private set; }

    /// <summary>
    /// How long since the source's last bytes came (or the headers, before any): when the forwarder's copy was
    /// cancelled, this tells the idle timeout (about <c>Proxy:IdleTimeout</c>) from a client that left mid-stream.
    /// </summary>
    public TimeSpan SinceLastWrite => _time.GetElapsedTime(_lastWrite);

    /// <summary>True when the bytes are checked against a digest.</summary>
    public bool Verifies => _hash is not null;

    /// <summary>The digest the bytes had, once <see cref="FinishAsync"/> found it different from the requested one.</summary>
    public string? Mismatch { get; private set; }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _lastWrite = _time.GetTimestamp();
        if (_hash is null)
        {
            await _inner.WriteAsync(buffer, cancellationToken);
            Written += buffer.Length;
            return;
        }

        await ReleaseHeldAsync(cancellationToken);
        if (Written + buffer.Length < _length)
        {
            // Cannot complete the object: out at once, hashed while it is sent (see the remarks).
            var write = _inner.WriteAsync(buffer, cancellationToken);
            _hash.AppendData(buffer.Span);
            await write;
            Written += buffer.Length;
            return;
        }

        if (_held is null || _held.Length < buffer.Length)
        {
            ReturnHeld();
            _held = ArrayPool<byte>.Shared.Rent(buffer.Length);
        }

        buffer.CopyTo(_held);
        _heldLength = buffer.Length;
        _hash.AppendData(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        => WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>
    /// The source's body ended: true when the bytes hash to the requested digest (or none was requested), and the
    /// held-back bytes are written; false, and nothing more written, when they do not (<see cref="Mismatch"/>).
    /// </summary>
    public async ValueTask<bool> FinishAsync(CancellationToken cancellationToken)
    {
        if (_hash is null)
        {
            return true;
        }

        var actual = Digest.Format(_hash);
        if (!string.Equals(actual, _digest, StringComparison.Ordinal))
        {
            Mismatch = actual;
            return false;
        }

        await ReleaseHeldAsync(cancellationToken);
        return true;
    }

    private async ValueTask ReleaseHeldAsync(CancellationToken cancellationToken)
    {
        if (_heldLength > 0)
        {
            await _inner.WriteAsync(_held.AsMemory(0, _heldLength), cancellationToken);
            Written += _heldLength;
            _heldLength = 0;
        }
    }

    private void ReturnHeld()
    {
        if (_held is not null)
        {
            ArrayPool<byte>.Shared.Return(_held);
            _held = null;
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ReturnHeld();
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
