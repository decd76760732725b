using System.Globalization;
using System.Security.Cryptography;
using Archeio.Oci.Digests;

namespace Geranos.Destination;

/// <summary>
/// Reads a blob's source into part buffers, hashing and counting every byte as it arrives. With an expected size it
/// never asks for more than one byte past it, so a lying or endless source is caught after at most one extra byte.
/// </summary>
internal sealed class HashingReader(Stream source, IncrementalHash hash, long? expectedSize, Action<long>? onBytes)
{
    /// <summary>Bytes read so far.</summary>
    public long Total { get; private set; }

    /// <summary>The source said end of stream.</summary>
    public bool Ended { get; private set; }

    /// <summary>More bytes than the expected size arrived; reading stopped there.</summary>
    public bool Overrun { get; private set; }

    /// <summary>
    /// Fills <paramref name="buffer"/> up to <paramref name="count"/> bytes; fewer only at the end of the source or on
    /// an overrun. Returns how many bytes it holds; 0 once the source has ended.
    /// </summary>
    public async Task<int> FillAsync(byte[] buffer, int count, CancellationToken ct)
    {
        var filled = 0;
        while (filled < count && !Ended && !Overrun)
        {
            var want = count - filled;
            if (expectedSize is { } expected)
            {
                want = (int)Math.Min(want, expected + 1 - Total);
            }

            var read = await source.ReadAsync(buffer.AsMemory(filled, want), ct).ConfigureAwait(false);
            if (read == 0)
            {
                Ended = true;
                break;
            }

            hash.AppendData(buffer, filled, read);
            filled += read;
            Total += read;
            onBytes?.Invoke(read);
            Overrun = Total > expectedSize;
        }

        return filled;
    }

    /// <summary>
    /// Once the source has ended (or overrun): null if what was read is exactly <paramref name="digest"/> (and the
    /// expected size), else what is wrong. Finishes the hash.
    /// </summary>
    public string? Verify(string digest)
    {
        if (Overrun)
        {
            return string.Create(CultureInfo.InvariantCulture, $"size mismatch: expected {expectedSize} bytes, got more");
        }

        if (expectedSize is { } expected && Total != expected)
        {
            return string.Create(CultureInfo.InvariantCulture, $"size mismatch: expected {expected} bytes, got {Total}");
        }

        var actual = Digest.Format(hash);
        return actual == digest ? null : $"digest mismatch: content is {actual}";
    }
}
