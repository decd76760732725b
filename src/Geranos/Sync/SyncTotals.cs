namespace Geranos.Sync;

/// <summary>The counts of a finished run, from <see cref="SyncCounters.Totals"/>; the summary shows them as they are.</summary>
internal sealed record SyncTotals
{
    public int Repositories { get; init; }

    public int Tags { get; init; }

    public long ManifestsRecorded { get; init; }

    public long ManifestsMirrored { get; init; }

    public long ManifestsFailed { get; init; }

    public long Blobs { get; init; }

    public long BlobsPresent { get; init; }

    public long BlobsCopied { get; init; }

    public long BlobsFailed { get; init; }

    public long BytesCopied { get; init; }

    public long BlobsToCopy { get; init; }

    public long BytesToCopy { get; init; }

    public long BlobsOfUnknownSize { get; init; }

    /// <summary>Manifest objects written, counted once per destination.</summary>
    public long ManifestObjectsWritten { get; init; }

    public int StaleUploadsAborted { get; init; }

    public long SourceRequests { get; init; }
}
