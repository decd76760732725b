using System.Numerics;

namespace Archeio.Ranges.Table;

/// <summary>Orders <see cref="ListedPrefix{T}"/>s by network, length, rank and order (a struct comparer: sorting calls it directly, not through a delegate).</summary>
internal readonly struct ListedPrefixOrder<T> : IComparer<ListedPrefix<T>>
    where T : unmanaged, IBinaryInteger<T>, IUnsignedNumber<T>
{
    public int Compare(ListedPrefix<T> x, ListedPrefix<T> y)
    {
        var c = x.Network.CompareTo(y.Network);
        if (c == 0)
        {
            c = x.Length.CompareTo(y.Length);
        }

        if (c == 0)
        {
            c = x.Rank.CompareTo(y.Rank);
        }

        return c != 0 ? c : x.Order.CompareTo(y.Order);
    }
}
