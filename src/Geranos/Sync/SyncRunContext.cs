namespace Geranos.Sync;

/// <summary>What every task of one run shares: the plan, the destinations' inventories, and the gate that bounds the blobs copied at once.</summary>
internal sealed record SyncRunContext(SyncPlan Plan, IReadOnlyList<DestinationInventory> States, SemaphoreSlim BlobGate)
{
    /// <summary>Whether every destination has the manifest's marker, i.e. holds it complete.</summary>
    public bool RecordedEverywhere(string digest) => States.All(s => s.Markers.ContainsKey(digest));
}
