using System.Text.Json.Serialization;

namespace Geranos.Sync;

/// <summary>
/// The outcome of a run, printed as a table or, with <c>--json</c>, as JSON (field names in camelCase, in the order
/// below: the counts are <see cref="Totals"/>' own, flattened). In a dry run the <c>…ToCopy</c> fields say what a
/// real run would copy and nothing is written.
/// </summary>
internal sealed record SyncSummary(
    bool DryRun,
    string Source,
    IReadOnlyList<string> Destinations,
    [property: JsonIgnore] SyncTotals Totals,
    [property: JsonPropertyOrder(2)] double Seconds,
    [property: JsonPropertyOrder(2)] IReadOnlyList<SyncFailure> Failures)
{
    [JsonPropertyOrder(1)]
    public int Repositories => Totals.Repositories;

    [JsonPropertyOrder(1)]
    public int Tags => Totals.Tags;

    [JsonPropertyOrder(1)]
    public long ManifestsRecorded => Totals.ManifestsRecorded;

    [JsonPropertyOrder(1)]
    public long ManifestsMirrored => Totals.ManifestsMirrored;

    [JsonPropertyOrder(1)]
    public long ManifestsFailed => Totals.ManifestsFailed;

    [JsonPropertyOrder(1)]
    public long Blobs => Totals.Blobs;

    [JsonPropertyOrder(1)]
    public long BlobsPresent => Totals.BlobsPresent;

    [JsonPropertyOrder(1)]
    public long BlobsCopied => Totals.BlobsCopied;

    [JsonPropertyOrder(1)]
    public long BlobsFailed => Totals.BlobsFailed;

    [JsonPropertyOrder(1)]
    public long BytesCopied => Totals.BytesCopied;

    [JsonPropertyOrder(1)]
    public long BlobsToCopy => Totals.BlobsToCopy;

    [JsonPropertyOrder(1)]
    public long BytesToCopy => Totals.BytesToCopy;

    [JsonPropertyOrder(1)]
    public long BlobsOfUnknownSize => Totals.BlobsOfUnknownSize;

    [JsonPropertyOrder(1)]
    public long ManifestObjectsWritten => Totals.ManifestObjectsWritten;

    [JsonPropertyOrder(1)]
    public int StaleUploadsAborted => Totals.StaleUploadsAborted;

    [JsonPropertyOrder(1)]
    public long SourceRequests => Totals.SourceRequests;

    /// <summary>0 when everything asked for is mirrored (or, in a dry run, planned); 1 when anything failed.</summary>
    [JsonPropertyOrder(3)]
    public int ExitCode => Failures.Count == 0 ? ExitCodes.Ok : ExitCodes.PartialFailure;
}
