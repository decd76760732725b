using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Archeio.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Archeio.Tests.Support;

/// <summary>
/// Listens to one <see cref="ArcheioMeter"/> only (not to another test's, which shares the name), keeping every
/// measurement as (instrument, value, tags); <see cref="Observe"/> reads the observable instruments.
/// </summary>
internal sealed class MeterRecorder : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<RecordedMeasurement> _measurements = new();

    public MeterRecorder()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        Meter = new ArcheioMeter(_services.GetRequiredService<IMeterFactory>());
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter == Meter.Meter)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Add(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Add(i, v, tags));
        _listener.Start();
    }

    public ArcheioMeter Meter { get; }

    public IReadOnlyCollection<RecordedMeasurement> Measurements => _measurements;

    /// <summary>Forgets what was recorded, then reads every observable instrument once.</summary>
    public IReadOnlyCollection<RecordedMeasurement> Observe()
    {
        _measurements.Clear();
        _listener.RecordObservableInstruments();
        return _measurements;
    }

    public IEnumerable<RecordedMeasurement> Of(string instrument) => _measurements.Where(m => m.Instrument == instrument);

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }

    private void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, tag) in tags)
        {
            labels[key] = Convert.ToString(tag, System.Globalization.CultureInfo.InvariantCulture)!;
        }

        _measurements.Enqueue(new RecordedMeasurement(instrument.Name, value, labels));
    }
}
