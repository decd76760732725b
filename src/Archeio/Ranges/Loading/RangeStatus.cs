using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Ranges.Loading;

/// <summary>
/// The state of every range source, kept by the loader and refresher and read by metrics and <c>/readyz</c>.
/// Replaced whole on every change, so a reader always sees one consistent list.
/// </summary>
internal sealed class RangeStatus(ArcheioSettings settings)
{
    private readonly Lock _lock = new();
    private ImmutableArray<RangeSourceStatus> _sources =
        [.. settings.Ranges.Select(s => new RangeSourceStatus(s.Cloud, s.Source, 0, false, null, null, 0, null))];

    public ImmutableArray<RangeSourceStatus> Sources => _sources;

    /// <summary>
    /// Ready as far as range data goes: always, unless <c>RangesRefresh:RequireAtStart</c> is set; then once every
    /// source has data.
    /// </summary>
    public bool Ready => !settings.RangesRefresh.RequireAtStart || _sources.All(s => s.HasData);

    /// <summary>Replaces the status of the source with <paramref name="status"/>'s cloud and source.</summary>
    public void Update(RangeSourceStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        lock (_lock)
        {
            var index = _sources.IndexOf(_sources.FirstOrDefault(s => s.Cloud == status.Cloud && s.Source == status.Source)!);
            _sources = index < 0 ? _sources.Add(status) : _sources.SetItem(index, status);
        }
    }
}
