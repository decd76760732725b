namespace Archeio.Tests.Security;

/// <summary>
/// Runs the tests that time requests against the blob-check budget (the fault tests' 1 s, the end-to-end
/// <c>BlobCheckTests</c>' 500 ms) alone, after the parallel tests: while
/// the rest of the suite loads both cores (the Dockerfile replay's NativeAOT publish among it), a loopback HEAD can
/// itself take longer than the budget, and the request then rightly goes upstream, which those tests would report as
/// a failure of the property rather than of the machine.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TimedFaultIsolation
{
    public const string Name = "Blob-check budget timings, alone";
}
