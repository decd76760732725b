namespace Geranos.Sync;

/// <summary>
/// The outcome of a run, printed as a table or, with <c>--json</c>, as JSON (field names in camelCase).
/// In a dry run the <c>…ToCopy</c> fields say what a real run would copy and nothing is written.
/// </summary>
internal sealed record SyncSummary(
    bool DryRun,
    string Source,
    IReadOnlyList<string> Destinations,
    int Repositories,
    int Tags,
    long ManifestsRecorded,
    long ManifestsMirrored,
    long ManifestsFailed,
    long Blobs,
    long BlobsPresent,
    long BlobsCopied,
    long BlobsFailed,
    long BytesCopied,
    long BlobsToCopy,
    long BytesToCopy,
    long BlobsOfUnknownSize,
    int StaleUploadsAborted,
    long SourceRequests,
    double Seconds,
    IReadOnlyList<SyncFailure> Failures)
{
    /// <summary>0 when everything asked for is mirrored (or, in a dry run, planned); 1 when anything failed.</summary>
    public int ExitCode => Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.PartialFailure;
}
