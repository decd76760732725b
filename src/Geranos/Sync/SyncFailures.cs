using System.Collections.Concurrent;

namespace Geranos.Sync;

/// <summary>
/// The failures of one run, recorded from many tasks at once: each is told to the reporter as it happens and
/// kept for the summary. A failure never stops the run.
/// </summary>
internal sealed class SyncFailures(ISyncReporter reporter)
{
    private readonly ConcurrentQueue<SyncFailure> _failures = new();

    public void Add(string subject, string reason)
    {
        var failure = new SyncFailure(subject, reason);
        _failures.Enqueue(failure);
        reporter.Failed(failure);
    }

    /// <summary>Every failure so far, ordered by subject.</summary>
    public IReadOnlyList<SyncFailure> BySubject() => [.. _failures.OrderBy(f => f.Subject, StringComparer.Ordinal)];
}
