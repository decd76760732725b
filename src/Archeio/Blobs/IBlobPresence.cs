using Archeio.Configuration;

namespace Archeio.Blobs;

/// <summary>Answers whether a mirror holds a blob; see <see cref="BlobChecker"/>.</summary>
internal interface IBlobPresence
{
    /// <summary>
    /// True when the mirror holds the blob. False when it does not, when it could not be asked, or when
    /// <paramref name="budget"/> fired first (that last answer holds for this request only). Never throws
    /// for a mirror's failure or the budget.
    /// </summary>
    /// <param name="mirror">The mirror (or an upstream, checked like one).</param>
    /// <param name="name">The repository, which upstream registries scope blobs by.</param>
    /// <param name="digest">The blob's validated digest.</param>
    /// <param name="budget">Fires when the request may wait no longer.</param>
    ValueTask<bool> ExistsAsync(MirrorSettings mirror, string name, string digest, CancellationToken budget);
}
