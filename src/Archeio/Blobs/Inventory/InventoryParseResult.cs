using Archeio.Blobs.Cache;

namespace Archeio.Blobs.Inventory;

/// <summary>The outcome of parsing a mirror inventory: either the digests, or why the whole inventory was rejected.</summary>
/// <param name="Digests">The distinct digests, or null when <paramref name="Error"/> is set.</param>
/// <param name="Count">Digest lines read (duplicates included), up to the point of an error.</param>
/// <param name="Error">Why the inventory was rejected (line number and content), or null.</param>
internal sealed record InventoryParseResult(IReadOnlySet<DigestKey>? Digests, int Count, string? Error);
