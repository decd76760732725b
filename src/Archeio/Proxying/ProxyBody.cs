using System.Buffers;
using System.Security.Cryptography;
using Archeio.Http;
using Archeio.Oci.Digests;

namespace Archeio.Proxying;

/// <summary>
/// The client's response body while a proxied answer streams into it: counts the bytes, and for a content-addressed
/// answer hashes them and holds the latest write back until the next one arrives, so that the last bytes reach the
/// client only after <see cref="FinishAsync"/> found the whole hash equal to the requested digest. A client never
/// receives a complete wrong object: a blob or manifest whose bytes do not hash to its digest is cut short (its
/// Content-Length unmet), whatever the source declared. At most one copy buffer per stream is held (pooled, as large
/// as the forwarder's writes: 64 KiB).
/// </summary>
/// <remarks>
/// SHA-256 runs at about 1 GB/s on one core (docs/performance.md, "Proxied downloads"), as slow as the rest of the
/// stream together: a large write's bytes are hashed on the thread pool from the held copy while the forwarder reads
/// the next bytes from the source and the previous copy goes to the client (both only read the held copy; it is
/// overwritten only after both finished). Small writes (a small blob's whole body) are hashed inline: no thread hop.
/// </remarks>
internal sealed class ProxyBody : AsyncWriteOnlyStream
{
    private readonly Stream _inner;
    private readonly IncrementalHash? _hash;
    private readonly string? _digest;
    private readonly TimeProvider _time;
    private byte[]? _held;
    private int _heldLength;
    private long _lastWrite;

    /// <summary>Writes at least this large are hashed off the copy loop (see the remarks).</summary>
    private const int HashInBackgroundFrom = 16 * 1024;

    private static readonly Action<object?> HashHeldAction = static state => ((ProxyBody)state!).HashHeld();

    /// <summary>The hash of the held copy, when it runs on the thread pool; completed or null otherwise.</summary>
    private Task? _hashing;

    /// <summary>How many of the held bytes the hash takes (<see cref="_heldLength"/> drops to 0 once they are written, maybe before).</summary>
    private int _hashLength;

    /// <param name="inner">The client's response body.</param>
    /// <param name="digest">The requested digest when the answer is the whole object (200 to a GET); null: only counted.</param>
    /// <param name="time">The clock of <see cref="SinceLastWrite"/>.</param>
    public ProxyBody(Stream inner, string? digest, TimeProvider time)
    {
        _inner = inner;
        _time = time;
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

        // The held copy goes out while its hash (started by the previous write) may still run; both only read it.
        await ReleaseHeldAsync(cancellationToken);
        await WaitHashingAsync();
        if (_held is null || _held.Length < buffer.Length)
        {
            ReturnHeld();
            _held = ArrayPool<byte>.Shared.Rent(buffer.Length);
        }

        buffer.CopyTo(_held);
        _heldLength = buffer.Length;
        _hashLength = buffer.Length;
        if (buffer.Length >= HashInBackgroundFrom)
        {
            _hashing = Task.Factory.StartNew(HashHeldAction, this, CancellationToken.None, TaskCreationOptions.DenyChildAttach, TaskScheduler.Default);
        }
        else
        {
            HashHeld();
        }
    }

    private void HashHeld() => _hash!.AppendData(_held!, 0, _hashLength);

    private async ValueTask WaitHashingAsync()
    {
        if (_hashing is { } hashing)
        {
            _hashing = null;
            await hashing;
        }
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

        await WaitHashingAsync();
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
            // A stream cut mid-way may leave the last hash running over the held copy: it ends within microseconds.
            try
            {
                _hashing?.GetAwaiter().GetResult();
            }
            catch (CryptographicException)
            {
            }

            _hashing = null;
            ReturnHeld();
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
