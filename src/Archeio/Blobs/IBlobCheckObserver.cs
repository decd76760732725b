using Archeio.Configuration;

namespace Archeio.Blobs;

/// <summary>
/// Told of every HEAD <see cref="BlobChecker"/> sends, with what <see cref="BlobCheckCounters"/> cannot keep: the
/// mirror, whether a failure was a timeout, and the size of a present blob (metrics estimate the bytes offloaded).
/// </summary>
internal interface IBlobCheckObserver
{
    /// <param name="mirror">The mirror asked.</param>
    /// <param name="outcome">What the HEAD said.</param>
    /// <param name="timedOut">A failure was the HEAD's timeout rather than an error answer or a connection error.</param>
    /// <param name="contentLength">The Content-Length of a present answer, when it gave one.</param>
    void OnHead(Candidate mirror, HeadOutcome outcome, bool timedOut, long? contentLength);
}
