using System.Collections.Concurrent;
using Archeio.Oci.Digests;
using Archeio.Oci.Errors;
using Geranos.Destination;
using Geranos.Source;

namespace Geranos.Sync;

/// <summary>
/// The blobs of a run, each copied once however many manifests name it: to every destination that lacks it, in one
/// read of the source (<see cref="VerifiedBlobCopier"/>), <see cref="SyncPlan.Parallel"/> at a time.
/// </summary>
internal sealed class BlobSync(RegistryClient source, VerifiedBlobCopier copier, ISyncReporter reporter, TimeProvider time, SyncCounters counters, SyncFailures failures)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _blobs = new(StringComparer.Ordinal);

    /// <summary>Whether the blob is now in every destination (or, on a dry run, could be); the first call for a digest does the work.</summary>
    public Task<bool> CopyOnceAsync(SyncRunContext context, string repository, BlobReference blob, CancellationToken cancellationToken)
        => _blobs.GetOrAdd(blob.Digest, _ => new Lazy<Task<bool>>(() => CopyAsync(context, repository, blob, cancellationToken))).Value;

    /// <summary>
    /// Copies one blob to every destination that lacks it, in one read of the source. A copy that fails mid-way
    /// (connection, store) is tried again from the start up to <see cref="SyncPlan.BlobAttempts"/> times; content
    /// that does not match its digest or size is refused at once (a retry would read the same bytes).
    /// </summary>
    private async Task<bool> CopyAsync(SyncRunContext context, string repository, BlobReference blob, CancellationToken cancellationToken)
    {
        counters.BlobFound(blob.Size);

        // A digest Geranos cannot check is refused before it goes into a source URL or a key (sha256:../../x, MD5, …).
        if (!Digest.IsVerifiable(blob.Digest))
        {
            counters.BlobFailed();
            failures.Add(blob.Digest.Length > 200 ? blob.Digest[..200] + "…" : blob.Digest, $"refused (from {repository}): not a sha256 or sha512 digest in canonical form");
            return false;
        }

        var targets = context.States.Where(s => !s.Has(blob.Digest, blob.Size)).ToList();
        if (targets.Count == 0)
        {
            counters.BlobPresent(blob.Size);
            return true;
        }

        if (context.Plan.DryRun)
        {
            counters.BlobToCopy(blob.Size);
            counters.BlobPlanned(blob.Size);
            return true;
        }

        await context.BlobGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var mirrors = targets.Select(t => t.Mirror).ToList();
            for (var attempt = 1; ; attempt++)
            {
                long streamed = 0;
                try
                {
                    var stream = await source.OpenBlobAsync(repository, blob.Digest, cancellationToken).ConfigureAwait(false);
                    await using (stream.ConfigureAwait(false))
                    {
                        var result = await copier.CopyAsync(
                            stream,
                            blob.Digest,
                            blob.Size,
                            mirrors,
                            n =>
                            {
                                streamed += n;
                                counters.BytesStreamed(n);
                            },
                            cancellationToken).ConfigureAwait(false);
                        if (!result.Verified)
                        {
                            counters.BlobFailed();
                            failures.Add(blob.Digest, $"refused (from {repository}): {result.Problem}");
                            return false;
                        }

                        foreach (var target in targets)
                        {
                            target.Blobs[blob.Digest] = result.Bytes;
                        }

                        counters.BlobCopied(result.Bytes);
                        reporter.BlobCopied(blob.Digest, result.Bytes, targets.Count);
                        return true;
                    }
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    counters.BytesStreamed(-Interlocked.Read(ref streamed));

                    // A 4xx (blob unknown, denied) will not change on a retry; a 5xx or a broken stream may.
                    if (attempt >= context.Plan.BlobAttempts || e is RegistryException { StatusCode: < System.Net.HttpStatusCode.InternalServerError })
                    {
                        counters.BlobFailed();
                        failures.Add(blob.Digest, $"copy failed after {attempt} attempts (from {repository}): {e.Message}");
                        return false;
                    }

                    reporter.Retrying(blob.Digest, attempt, e.Message);
                    await Task.Delay(TimeSpan.FromSeconds(attempt), time, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            context.BlobGate.Release();
        }
    }
}
