using Archeio.Configuration;
using Archeio.Sources;

namespace Archeio.Blobs.Inventory;

/// <summary>
/// A mirror's inventory — of its blobs (<c>Mirrors:N:Inventory</c>) or of its manifests (<c>Mirrors:N:ManifestInventory</c>):
/// its location, kept current by <see cref="Reader"/>, and the slot its digests fill (<see cref="Candidate.Slot"/>).
/// </summary>
internal sealed class InventorySource
{
    public InventorySource(string name, string location, int slot, Func<string, RefreshedSource<InventoryParseResult>> reader)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(location);
        ArgumentNullException.ThrowIfNull(reader);
        Name = name;
        Slot = slot;
        Location = location;
        Display = SourceLocation.Display(Location);
        Reader = reader(Location);
    }

    /// <summary>The mirror's name as logs show it (with <c>(manifests)</c> for a manifest inventory).</summary>
    public string Name { get; }

    /// <summary>Where in <see cref="MirrorInventories"/> its digests go.</summary>
    public int Slot { get; }

    public string Location { get; }

    public bool IsUrl => SourceLocation.IsUrl(Location);

    /// <summary>The location as logs show it.</summary>
    public string Display { get; }

    /// <summary>The inventory last loaded and how to tell whether it is current; only the mirror's own refresh loop refreshes it.</summary>
    public RefreshedSource<InventoryParseResult> Reader { get; }
}
