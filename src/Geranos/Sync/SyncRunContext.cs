namespace Geranos.Sync;

/// <summary>What every task of one run shares: the plan, the destinations' inventories, and the gate that bounds the blobs copied at once.</summary>
internal sealed record SyncRunContext(SyncPlan Plan, IReadOnlyList<DestinationInventory> States, SemaphoreSlim BlobGate)
{
    /// <summary>Whether every destination holds the manifest complete: its marker and its object (<see cref="DestinationInventory.Holds"/>).</summary>
    public bool RecordedEverywhere(string digest) => States.All(s => s.Holds(digest));
}
