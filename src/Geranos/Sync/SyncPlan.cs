namespace Geranos.Sync;

/// <summary>What one <c>geranos sync</c> run does, after the command line is parsed.</summary>
/// <param name="Repositories">Repositories below the source's prefix; empty means "every one the catalog lists".</param>
/// <param name="Tags">Which tags to take.</param>
/// <param name="Parallel">How many manifests, and separately how many blobs, are worked on at once.</param>
/// <param name="DryRun">Plan only: read the source and the buckets, write nothing.</param>
/// <param name="StaleUploadAge">Multipart uploads under the blob prefix older than this are left-overs of killed runs and are aborted.</param>
/// <param name="BlobAttempts">How often one blob copy is tried when the source stream or the store fails mid-way.</param>
internal sealed record SyncPlan(
    IReadOnlyList<string> Repositories,
    TagFilter Tags,
    int Parallel,
    bool DryRun,
    TimeSpan StaleUploadAge,
    int BlobAttempts = 3)
{
    public static readonly TimeSpan DefaultStaleUploadAge = TimeSpan.FromDays(1);
}
