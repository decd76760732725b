namespace Archeio.Blobs;

/// <summary>What one HEAD to a mirror said.</summary>
internal enum HeadOutcome
{
    /// <summary>200: the mirror holds the blob.</summary>
    Present,

    /// <summary>Any other answer below 500 (404, 403, a redirect…): the mirror does not serve the blob directly.</summary>
    Absent,

    /// <summary>5xx, a connection error or a timeout: no answer; counts against the breaker and is not cached.</summary>
    Failed,
}
