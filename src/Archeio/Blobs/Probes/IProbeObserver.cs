namespace Archeio.Blobs.Probes;

/// <summary>Told of every probe <see cref="ProbeService"/> runs (metrics count the checks' outcomes).</summary>
internal interface IProbeObserver
{
    void OnProbe(ProbeReport report);
}
