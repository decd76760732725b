using Archeio.Configuration;
using Archeio.Sources;

namespace Archeio.Blobs.Inventory;

/// <summary>A mirror's inventory: its location, kept current by <see cref="Reader"/>.</summary>
internal sealed class InventorySource
{
    public InventorySource(MirrorSettings mirror, Func<string, RefreshedSource<InventoryParseResult>> reader)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(mirror.Inventory);
        ArgumentNullException.ThrowIfNull(reader);
        Mirror = mirror;
        Location = mirror.Inventory;
        Display = SourceLocation.Display(Location);
        Reader = reader(Location);
    }

    public MirrorSettings Mirror { get; }

    public string Location { get; }

    public bool IsUrl => SourceLocation.IsUrl(Location);

    /// <summary>The location as logs show it.</summary>
    public string Display { get; }

    /// <summary>The inventory last loaded and how to tell whether it is current; only the mirror's own refresh loop refreshes it.</summary>
    public RefreshedSource<InventoryParseResult> Reader { get; }
}
