using Archeio.Ranges.Table;

namespace Archeio.Ranges.Loading;

/// <summary>The value a range source holds: its parsed prefixes, and whether they came from a snapshot.</summary>
/// <param name="Prefixes">The parsed prefixes, as listed.</param>
/// <param name="Snapshot">Whether the prefixes came from a snapshot, or one was written.</param>
internal sealed record RangeData(IReadOnlyList<CloudPrefix> Prefixes, RangeSnapshotUse Snapshot);
