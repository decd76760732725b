using System.Collections.Concurrent;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>
/// For the live display: events are not printed (they would tear the display); failures are kept for the
/// summary, which lists them anyway.
/// </summary>
internal sealed class QuietSyncReporter : ISyncReporter
{
    public ConcurrentQueue<string> Messages { get; } = new();

    public void Info(string message) => Messages.Enqueue(message);

    public void ManifestRecorded(string repository, string tag, string digest)
    {
    }

    public void ManifestMirrored(string repository, string reference, string digest, int blobs)
    {
    }

    public void BlobCopied(string digest, long bytes, int destinations)
    {
    }

    public void Retrying(string subject, int attempt, string reason) => Messages.Enqueue($"retrying {subject}: {reason}");

    public void Failed(SyncFailure failure)
    {
    }
}
