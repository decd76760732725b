namespace Geranos.Sync;

/// <summary>
/// A run's counters, updated from many tasks at once (Interlocked), read by the progress display
/// (<see cref="Snapshot"/>) and, at the end, by the summary (<see cref="Totals"/>): the one place a run counts.
/// Totals grow as the run discovers work: tags first, then the blobs of each walked manifest.
/// </summary>
internal sealed class SyncCounters
{
    private int _repositories;
    private int _tags;
    private int _staleUploadsAborted;
    private long _manifestsMirrored;
    private long _manifestsFailed;
    private long _blobsToCopy;
    private long _bytesToCopy;
    private long _manifestsTotal;
    private long _manifestsDone;
    private long _manifestsRecorded;
    private long _blobsTotal;
    private long _blobsDone;
    private long _blobsPresent;
    private long _blobsCopied;
    private long _blobsFailed;
    private long _blobsUnknownSize;
    private long _bytesTotal;
    private long _bytesDone;
    private long _bytesCopied;
    private long _manifestObjectsWritten;

    public long ManifestsRecorded => Interlocked.Read(ref _manifestsRecorded);

    public long BlobsTotal => Interlocked.Read(ref _blobsTotal);

    public long BlobsPresent => Interlocked.Read(ref _blobsPresent);

    public long BlobsCopied => Interlocked.Read(ref _blobsCopied);

    public long BlobsFailed => Interlocked.Read(ref _blobsFailed);

    public long BlobsUnknownSize => Interlocked.Read(ref _blobsUnknownSize);

    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    public long BytesCopied => Interlocked.Read(ref _bytesCopied);

    /// <summary>The repositories the run works on, named or from the catalog.</summary>
    public void RepositoriesListed(int count) => Interlocked.Exchange(ref _repositories, count);

    /// <summary>The tags taken, over every repository.</summary>
    public void TagsTaken(int count) => Interlocked.Exchange(ref _tags, count);

    public void StaleUploadsAborted(int count) => Interlocked.Exchange(ref _staleUploadsAborted, count);

    /// <summary>A tag or referrer mirrored, or in a dry run one that would be.</summary>
    public void ManifestMirrored() => Interlocked.Increment(ref _manifestsMirrored);

    public void ManifestFailed() => Interlocked.Increment(ref _manifestsFailed);

    /// <summary>A blob a dry run would copy, counted toward what a real run would move.</summary>
    public void BlobToCopy(long? size)
    {
        Interlocked.Increment(ref _blobsToCopy);
        Interlocked.Add(ref _bytesToCopy, size ?? 0);
    }

    public void ManifestsFound(int count) => Interlocked.Add(ref _manifestsTotal, count);

    public void ManifestRecorded()
    {
        Interlocked.Increment(ref _manifestsRecorded);
        Interlocked.Increment(ref _manifestsDone);
    }

    /// <summary>A tag or referrer finished, mirrored or failed.</summary>
    /// <summary>A manifest object was written to one destination.</summary>
    public void ManifestObjectWritten() => Interlocked.Increment(ref _manifestObjectsWritten);

    public void ManifestDone() => Interlocked.Increment(ref _manifestsDone);

    public void BlobFound(long? size)
    {
        Interlocked.Increment(ref _blobsTotal);
        if (size is { } bytes)
        {
            Interlocked.Add(ref _bytesTotal, bytes);
        }
        else
        {
            Interlocked.Increment(ref _blobsUnknownSize);
        }
    }

    public void BlobPresent(long? size)
    {
        Interlocked.Increment(ref _blobsPresent);
        Interlocked.Increment(ref _blobsDone);
        Interlocked.Add(ref _bytesDone, size ?? 0);
    }

    /// <summary>A blob a dry run would copy.</summary>
    public void BlobPlanned(long? size)
    {
        Interlocked.Increment(ref _blobsDone);
        Interlocked.Add(ref _bytesDone, size ?? 0);
    }

    /// <summary>A blob copied; its bytes were already counted as they streamed (<see cref="BytesStreamed"/>).</summary>
    public void BlobCopied(long bytes)
    {
        Interlocked.Increment(ref _blobsCopied);
        Interlocked.Increment(ref _blobsDone);
        Interlocked.Add(ref _bytesCopied, bytes);
    }

    public void BlobFailed()
    {
        Interlocked.Increment(ref _blobsFailed);
        Interlocked.Increment(ref _blobsDone);
    }

    /// <summary>Bytes read from the source; negative to take back an attempt that failed.</summary>
    public void BytesStreamed(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    public SyncProgressSnapshot Snapshot() => new(
        Interlocked.Read(ref _manifestsTotal),
        Interlocked.Read(ref _manifestsDone),
        Interlocked.Read(ref _blobsTotal),
        Interlocked.Read(ref _blobsDone),
        Interlocked.Read(ref _bytesTotal),
        Interlocked.Read(ref _bytesDone));

    /// <summary>Every count at once, for the summary; <paramref name="sourceRequests"/> is the source client's own count.</summary>
    public SyncTotals Totals(long sourceRequests) => new()
    {
        Repositories = Volatile.Read(ref _repositories),
        Tags = Volatile.Read(ref _tags),
        ManifestsRecorded = ManifestsRecorded,
        ManifestsMirrored = Interlocked.Read(ref _manifestsMirrored),
        ManifestsFailed = Interlocked.Read(ref _manifestsFailed),
        Blobs = BlobsTotal,
        BlobsPresent = BlobsPresent,
        BlobsCopied = BlobsCopied,
        BlobsFailed = BlobsFailed,
        BytesCopied = BytesCopied,
        BlobsToCopy = Interlocked.Read(ref _blobsToCopy),
        BytesToCopy = Interlocked.Read(ref _bytesToCopy),
        BlobsOfUnknownSize = BlobsUnknownSize,
        ManifestObjectsWritten = Interlocked.Read(ref _manifestObjectsWritten),
        StaleUploadsAborted = Volatile.Read(ref _staleUploadsAborted),
        SourceRequests = sourceRequests,
    };
}
