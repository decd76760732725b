namespace Geranos.Sync;

/// <summary>
/// Aborts the multipart uploads that interrupted runs left in the destinations: those under the blob prefix
/// older than <see cref="SyncPlan.StaleUploadAge"/>. A dry run does not call it.
/// </summary>
internal sealed class StaleUploadCleaner(ISyncReporter reporter, TimeProvider time)
{
    /// <summary>Aborts them in every destination at once; returns how many there were.</summary>
    public async Task<int> AbortAsync(IReadOnlyList<DestinationInventory> states, TimeSpan age, CancellationToken cancellationToken)
    {
        var before = time.GetUtcNow() - age;
        var counts = await Task.WhenAll(states.Select(s => s.Mirror.AbortStaleUploadsAsync(before, cancellationToken))).ConfigureAwait(false);
        var total = counts.Sum();
        if (total > 0)
        {
            reporter.Info($"aborted {total} multipart uploads left by interrupted runs");
        }

        return total;
    }
}
