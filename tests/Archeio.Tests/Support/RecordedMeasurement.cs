
namespace Archeio.Tests.Support;

/// <summary>One measurement seen by <see cref="MeterRecorder"/>.</summary>
internal sealed record RecordedMeasurement(string Instrument, double Value, IReadOnlyDictionary<string, string> Tags)
{
    /// <summary>The tags as <c>name=value</c> pairs in name order, for table-driven comparisons.</summary>
    public string TagText => string.Join(',', Tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value));
}
