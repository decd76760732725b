namespace Archeio.Blobs.Inventory;

/// <summary>What the inventory refreshes did, for tests and diagnostics.</summary>
internal sealed class InventoryCounters
{
    private long _loads;
    private long _failures;
    private long _notModified;

    /// <summary>Inventories parsed and installed.</summary>
    public long Loads => Interlocked.Read(ref _loads);

    /// <summary>Fetches or reads that failed, and inventories rejected as malformed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Refreshes that found the inventory unchanged (a 304, or a file with the same time and length).</summary>
    public long NotModified => Interlocked.Read(ref _notModified);

    public void CountLoad() => Interlocked.Increment(ref _loads);

    public void CountFailure() => Interlocked.Increment(ref _failures);

    public void CountNotModified() => Interlocked.Increment(ref _notModified);
}
