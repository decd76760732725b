namespace Archeio.Blobs.Probes;

/// <summary>What one request of a probe saw.</summary>
/// <param name="Check">Which request.</param>
/// <param name="Passed">It answered the way a client needs.</param>
/// <param name="Detail">What it answered, in a few words, e.g. <c>206, bytes 0-1023/4096, bytes match</c>.</param>
internal sealed record ProbeCheckResult(ProbeCheck Check, bool Passed, string Detail)
{
    public override string ToString() => $"{Check.Label()}: {(Passed ? "pass" : "FAIL")} ({Detail})";
}
