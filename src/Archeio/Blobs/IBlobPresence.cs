using Archeio.Configuration;

namespace Archeio.Blobs;

/// <summary>Answers whether a candidate (a mirror, or an upstream) holds a blob; see <see cref="BlobChecker"/>.</summary>
internal interface IBlobPresence
{
    /// <summary>
    /// True when the candidate holds the blob. False when it does not, when it could not be asked, or when
    /// <paramref name="budget"/> fired first (that last answer holds for this request only). Never throws
    /// for a candidate's failure or the budget.
    /// </summary>
    /// <param name="mirror">The candidate: a mirror, or an upstream checked like one.</param>
    /// <param name="name">The repository, which upstream registries scope blobs by.</param>
    /// <param name="digest">The blob's validated digest.</param>
    /// <param name="budget">Fires when the request may wait no longer.</param>
    ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget);

    /// <summary>
    /// The answer when it is already known without waiting (the mirror's inventory, the local cache): true with
    /// <paramref name="present"/> set, counted as <see cref="ExistsAsync"/> would count it; false when only
    /// <see cref="ExistsAsync"/> can tell (nothing counted then). Lets a request whose answers are all known
    /// skip the budget and the asynchronous machinery. The default knows nothing.
    /// </summary>
    bool TryGetKnown(Candidate mirror, string name, string digest, out bool present)
    {
        present = false;
        return false;
    }

    /// <summary>
    /// Archeio's own download from <paramref name="source"/> failed (a proxied request, Proxying/ProxyForwarder.cs): counted
    /// against the candidate like a failed check; with <paramref name="forget"/> (its bytes did not hash to the digest)
    /// the answer that it holds the object is forgotten and, for <c>BlobCheck:AbsentTtl</c>, the candidate is taken not to
    /// hold it, whatever its inventory or its HEAD says. The default does nothing.
    /// </summary>
    void ReportServeFailure(Candidate source, string name, string digest, bool forget)
    {
    }
}
