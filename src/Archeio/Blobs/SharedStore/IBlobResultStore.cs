using Archeio.Configuration;

namespace Archeio.Blobs.SharedStore;

/// <summary>
/// Answers of mirror checks shared by the replicas of the service, so that one replica's HEAD spares
/// the others theirs. Best effort: an unavailable store only means more HEADs, never a failed request.
/// </summary>
internal interface IBlobResultStore
{
    /// <summary>
    /// Whether the mirror was found to hold the blob, and its size when the answer gave it; null when the store has no
    /// answer, is unavailable or is slow. Fails only by cancellation of <paramref name="cancellationToken"/>.
    /// </summary>
    ValueTask<BlobAnswer?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken);

    /// <summary>
    /// Records an answer for <paramref name="ttl"/>, with the blob's <paramref name="size"/> when known (else -1), without
    /// waiting for the store; never fails.
    /// </summary>
    void Set(Candidate mirror, string digest, bool present, TimeSpan ttl, long size = -1);
}
