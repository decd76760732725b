using Archeio.Configuration;

namespace Archeio.Blobs.SharedStore;

/// <summary>
/// Answers of mirror checks shared by the replicas of the service, so that one replica's HEAD spares
/// the others theirs. Best effort: an unavailable store only means more HEADs, never a failed request.
/// </summary>
internal interface IBlobResultStore
{
    /// <summary>
    /// Whether the mirror was found to hold the blob; null when the store has no answer, is unavailable
    /// or is slow. Fails only by cancellation of <paramref name="cancellationToken"/>.
    /// </summary>
    ValueTask<bool?> TryGetAsync(Candidate mirror, string digest, CancellationToken cancellationToken);

    /// <summary>Records an answer for <paramref name="ttl"/>, without waiting for the store; never fails.</summary>
    void Set(Candidate mirror, string digest, bool present, TimeSpan ttl);
}
