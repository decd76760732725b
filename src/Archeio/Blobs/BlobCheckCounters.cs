namespace Archeio.Blobs;

/// <summary>
/// What the blob checks did, as monotonic counters, exported at scrape time by <see cref="Metrics.BlobCheckStateMetrics"/>.
/// Plain fields updated with <see cref="Interlocked"/>: no allocation, no lock on the request path.
/// </summary>
internal sealed class BlobCheckCounters
{
    private long _inventoryHits;
    private long _cacheHits;
    private long _cacheMisses;
    private long _sharedHits;
    private long _coalesced;
    private long _headsPresent;
    private long _headsAbsent;
    private long _headsFailed;
    private long _skippedByBreaker;
    private long _skippedByLimit;
    private long _budgetExpired;
    private long _breakerOpened;
    private long _breakerHalfOpened;
    private long _breakerClosed;

    public long InventoryHits => Volatile.Read(ref _inventoryHits);

    public long CacheHits => Volatile.Read(ref _cacheHits);

    public long CacheMisses => Volatile.Read(ref _cacheMisses);

    public long SharedHits => Volatile.Read(ref _sharedHits);

    public long Coalesced => Volatile.Read(ref _coalesced);

    public long HeadsPresent => Volatile.Read(ref _headsPresent);

    public long HeadsAbsent => Volatile.Read(ref _headsAbsent);

    public long HeadsFailed => Volatile.Read(ref _headsFailed);

    public long Heads => HeadsPresent + HeadsAbsent + HeadsFailed;

    public long SkippedByBreaker => Volatile.Read(ref _skippedByBreaker);

    public long SkippedByLimit => Volatile.Read(ref _skippedByLimit);

    public long BudgetExpired => Volatile.Read(ref _budgetExpired);

    public long BreakerOpened => Volatile.Read(ref _breakerOpened);

    public long BreakerHalfOpened => Volatile.Read(ref _breakerHalfOpened);

    public long BreakerClosed => Volatile.Read(ref _breakerClosed);

    internal void InventoryHit() => Interlocked.Increment(ref _inventoryHits);

    internal void CacheHit() => Interlocked.Increment(ref _cacheHits);

    internal void CacheMiss() => Interlocked.Increment(ref _cacheMisses);

    internal void SharedHit() => Interlocked.Increment(ref _sharedHits);

    internal void CoalescedWait() => Interlocked.Increment(ref _coalesced);

    internal void Head(HeadOutcome outcome)
    {
        switch (outcome)
        {
            case HeadOutcome.Present:
                Interlocked.Increment(ref _headsPresent);
                break;
            case HeadOutcome.Absent:
                Interlocked.Increment(ref _headsAbsent);
                break;
            default:
                Interlocked.Increment(ref _headsFailed);
                break;
        }
    }

    internal void BreakerSkip() => Interlocked.Increment(ref _skippedByBreaker);

    internal void LimitSkip() => Interlocked.Increment(ref _skippedByLimit);

    internal void BudgetExpiry() => Interlocked.Increment(ref _budgetExpired);

    internal void BreakerChanged(BreakerState to)
    {
        switch (to)
        {
            case BreakerState.Open:
                Interlocked.Increment(ref _breakerOpened);
                break;
            case BreakerState.HalfOpen:
                Interlocked.Increment(ref _breakerHalfOpened);
                break;
            default:
                Interlocked.Increment(ref _breakerClosed);
                break;
        }
    }
}
