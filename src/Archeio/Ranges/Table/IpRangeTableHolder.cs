namespace Archeio.Ranges.Table;

/// <summary>
/// Holds the current <see cref="IpRangeTable"/>. Tables are immutable and replaced whole, so a
/// request always sees one consistent table (a later refresh builds the next one aside and swaps).
/// </summary>
internal sealed class IpRangeTableHolder
{
    private volatile IpRangeTable _current = IpRangeTable.Build([]);

    public IpRangeTable Current => _current;

    public void Replace(IpRangeTable table) => _current = table ?? throw new ArgumentNullException(nameof(table));
}
