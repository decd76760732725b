using System.Globalization;
using Geranos.Sync;

namespace Geranos.Cli;

/// <summary>
/// One line per event, for logs (CI, CronJobs): UTC time, then what happened. Writes are serialised, as
/// events come from many tasks.
/// </summary>
internal sealed class PlainSyncReporter(TextWriter writer, TimeProvider time) : ISyncReporter
{
    private readonly Lock _lock = new();

    public void Info(string message) => Write(message);

    public void ManifestRecorded(string repository, string tag, string digest) => Write($"recorded {repository}:{tag} ({digest}): skipped");

    public void ManifestMirrored(string repository, string reference, string digest, int blobs)
        => Write($"walked {repository}{(reference.Contains(':', StringComparison.Ordinal) ? "@" : ":")}{reference}{(reference == digest ? "" : $" ({digest})")}: {blobs} blobs");

    public void BlobCopied(string digest, long bytes, int destinations) => Write($"copied {digest} ({ByteSize.Format(bytes)}) to {destinations} destination(s)");

    public void Retrying(string subject, int attempt, string reason) => Write($"retrying {subject} after attempt {attempt}: {reason}");

    public void Failed(SyncFailure failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        Write($"FAILED {failure.Subject}: {failure.Reason}");
    }

    public void Write(string message)
    {
        var line = time.GetUtcNow().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) + " " + message;
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
