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
    /// <see cref="TryGetKnown(Candidate, string, string, out bool)"/> with the blob's size in bytes when the known answer
    /// gave it (a HEAD's <c>Content-Length</c> kept with the answer), else -1: one lookup for both, on the path of every
    /// blob whose answer is known. The default knows no size.
    /// </summary>
    bool TryGetKnown(Candidate mirror, string name, string digest, out bool present, out long size)
    {
        size = -1;
        return TryGetKnown(mirror, name, digest, out present);
    }

    /// <summary>
    /// The size in bytes of the blob <paramref name="holder"/> was just found holding, when its answer gave it; for a
    /// null holder (the blob goes to an upstream), the size any other candidate's present answer gave; -1 when none did.
    /// Counts nothing. The default knows no size.
    /// </summary>
    long SizeOf(Candidate? holder, string name, string digest) => -1;

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
