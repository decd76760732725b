using System.Collections.Concurrent;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// The work of a run: the repositories (named in the plan, else the source's catalog) and, listed from each, the
/// tags the plan's filter takes. A repository whose tags cannot be listed is a failure; the others go on.
/// </summary>
internal sealed class TagLister(RegistryClient source, ISyncReporter reporter, SyncCounters counters, SyncFailures failures)
{
    /// <summary>The plan's repositories, each once; without any, the catalog's. Throws <see cref="SyncUsageException"/> when the source has no catalog.</summary>
    public async Task<IReadOnlyList<string>> RepositoriesAsync(SyncPlan plan, CancellationToken cancellationToken)
    {
        if (plan.Repositories.Count > 0)
        {
            return [.. plan.Repositories.Distinct(StringComparer.Ordinal)];
        }

        var catalog = await source.ListRepositoriesAsync(null, cancellationToken).ConfigureAwait(false)
            ?? throw new SyncUsageException("the source registry offers no catalog (_catalog): name the repositories with --repository or --repositories-file");
        reporter.Info($"catalog: {catalog.Count} repositories");
        return catalog;
    }

    /// <summary>The taken tags of every repository, listed <see cref="SyncPlan.Parallel"/> at a time, ordered by repository then tag.</summary>
    public async Task<IReadOnlyList<(string Repository, string Tag)>> TagsAsync(SyncPlan plan, IReadOnlyList<string> repositories, ParallelOptions options)
    {
        var tags = new ConcurrentBag<(string Repository, string Tag)>();
        await Parallel.ForEachAsync(repositories, options, async (repository, token) =>
        {
            try
            {
                var listed = await source.ListTagsAsync(repository, null, token).ConfigureAwait(false);
                var taken = listed.Where(plan.Tags.Matches).ToList();
                foreach (var tag in taken)
                {
                    tags.Add((repository, tag));
                }

                counters.ManifestsFound(taken.Count);
                reporter.Info($"{repository}: {taken.Count} of {listed.Count} tags");
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                failures.Add(repository, "listing tags: " + e.Message);
            }
        }).ConfigureAwait(false);

        return [.. tags.OrderBy(t => t.Repository, StringComparer.Ordinal).ThenBy(t => t.Tag, StringComparer.Ordinal)];
    }
}
