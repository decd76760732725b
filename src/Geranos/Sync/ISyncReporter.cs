namespace Geranos.Sync;

/// <summary>
/// Hears what a run does, as it happens: plain log lines when the output is not a terminal, nothing
/// (the live display shows the counters) when it is. Called from many tasks at once.
/// </summary>
internal interface ISyncReporter
{
    void Info(string message);

    void ManifestRecorded(string repository, string tag, string digest);

    void ManifestMirrored(string repository, string reference, string digest, int blobs);

    void BlobCopied(string digest, long bytes, int destinations);

    void Retrying(string subject, int attempt, string reason);

    void Failed(SyncFailure failure);
}
