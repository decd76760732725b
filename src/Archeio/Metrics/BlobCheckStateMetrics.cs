using System.Diagnostics.Metrics;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Configuration;

namespace Archeio.Metrics;

/// <summary>
/// The blob checks' state, read at scrape time from what <see cref="BlobChecker"/>, <see cref="BlobCheckCounters"/>
/// and <see cref="MirrorInventories"/> already keep (observable instruments: nothing is counted twice, nothing is
/// added to the request path).
/// </summary>
internal sealed class BlobCheckStateMetrics
{
    public const string CacheHitsName = "archeio_blob_cache_hits_total";
    public const string CacheMissesName = "archeio_blob_cache_misses_total";
    public const string CacheEvictionsName = "archeio_blob_cache_evictions_total";
    public const string CacheEntriesName = "archeio_blob_cache_entries";
    public const string CoalescedName = "archeio_blob_check_coalesced_total";
    public const string BreakerStateName = "archeio_blob_check_breaker_state";
    public const string InventoryDigestsName = "archeio_inventory_digests";

    public BlobCheckStateMetrics(ArcheioMeter meter, ArcheioSettings settings, BlobChecker checker, MirrorInventories inventories)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(checker);
        ArgumentNullException.ThrowIfNull(inventories);
        var m = meter.Meter;
        var counters = checker.Counters;
        var cache = checker.Cache;
        var mirrors = settings.Candidates;
        var mirrorTags = mirrors.Select(mirror => new KeyValuePair<string, object?>[] { new("mirror", mirror.Name) }).ToArray();
        m.CreateObservableCounter(CacheHitsName, () => counters.CacheHits, description: "Blob checks answered by the local cache.");
        m.CreateObservableCounter(CacheMissesName, () => counters.CacheMisses, description: "Blob checks the local cache could not answer (inventory hits are neither).");
        m.CreateObservableCounter(CacheEvictionsName, () => cache.Evictions, description: "Live cache entries dropped to make room.");
        m.CreateObservableGauge(CacheEntriesName, () => cache.Count, description: "Entries in the local cache, expired ones not yet dropped included.");
        m.CreateObservableCounter(CoalescedName, () => counters.Coalesced, description: "Blob checks that waited on another request's HEAD for the same blob.");
        m.CreateObservableGauge(
            BreakerStateName,
            () => mirrors.Select(mirror => new Measurement<int>(StateValue(checker.BreakerOf(mirror)), mirrorTags[mirror.Index])),
            description: "Each mirror's circuit breaker: 0 closed, 1 half-open, 2 open.");
        m.CreateObservableGauge(
            InventoryDigestsName,
            () => mirrors.Where(mirror => inventories.Has(mirror.Index))
                .Select(mirror => new Measurement<long>(inventories.CountOf(mirror.Index), mirrorTags[mirror.Index])),
            description: "Distinct digests in each loaded mirror inventory.");
    }

    internal static int StateValue(BreakerState state) => state switch
    {
        BreakerState.Closed => 0,
        BreakerState.HalfOpen => 1,
        _ => 2,
    };
}
