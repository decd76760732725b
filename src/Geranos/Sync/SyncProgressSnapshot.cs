namespace Geranos.Sync;

/// <summary>The counters of a run at one moment, for the progress display.</summary>
internal sealed record SyncProgressSnapshot(
    long ManifestsTotal,
    long ManifestsDone,
    long BlobsTotal,
    long BlobsDone,
    long BytesTotal,
    long BytesDone);
