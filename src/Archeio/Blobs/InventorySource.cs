using Archeio.Configuration;

namespace Archeio.Blobs;

/// <summary>A mirror's inventory location and the version of it that was last loaded.</summary>
internal sealed class InventorySource
{
    public InventorySource(MirrorSettings mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        ArgumentNullException.ThrowIfNull(mirror.Inventory);
        Mirror = mirror;
        Location = mirror.Inventory;
        IsUrl = Location.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || Location.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        // A URL's query may hold a signature (a pre-signed bucket URL): logs name it without.
        Display = IsUrl && Location.IndexOf('?', StringComparison.Ordinal) is var query and >= 0 ? Location[..query] + "?…" : Location;
    }

    public MirrorSettings Mirror { get; }

    public string Location { get; }

    public bool IsUrl { get; }

    /// <summary>The location as logs show it.</summary>
    public string Display { get; }

    /// <summary>The version last loaded successfully; only the mirror's own refresh loop touches it.</summary>
    public InventoryVersion? Version { get; set; }
}
