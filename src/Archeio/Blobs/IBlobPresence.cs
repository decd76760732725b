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
    ValueTask<bool> ExistsAsync(MirrorSettings mirror, string digest, CancellationToken budget);
}
