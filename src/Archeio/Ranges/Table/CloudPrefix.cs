using System.Net;

namespace Archeio.Ranges.Table;

/// <summary>One published prefix and the location it belongs to.</summary>
/// <param name="Network">The prefix, always canonical (no host bits set).</param>
/// <param name="Location">The cloud and region the provider assigns to the prefix.</param>
internal readonly record struct CloudPrefix(IPNetwork Network, CloudLocation Location);
