using System.Numerics;

namespace Archeio.Ranges.Table;

/// <summary>One listed prefix while <see cref="IpRangeTable"/> is built: network and length, which listing wins
/// among equal ones (<paramref name="Rank"/> 0 for a region, 1 for <c>GLOBAL</c>; then the lower
/// <paramref name="Order"/>), and its location index.</summary>
internal readonly record struct ListedPrefix<T>(T Network, int Length, int Rank, int Order, int Location)
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>;
