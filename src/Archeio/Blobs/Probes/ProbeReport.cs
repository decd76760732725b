using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Blobs.Probes;

/// <summary>One probe of one mirror: every check, in <see cref="ProbeCheck"/> order.</summary>
internal sealed record ProbeReport(MirrorSettings Mirror, ImmutableArray<ProbeCheckResult> Checks, TimeSpan Elapsed)
{
    public bool Passed => Checks.All(c => c.Passed);

    /// <summary>The first failed check as the reason the mirror is out of rotation, e.g. <c>range: GET … answered 400</c>; null when it passed.</summary>
    public string? FailureReason => Checks.FirstOrDefault(c => !c.Passed) is { } failed ? failed.Check.Label() + ": " + failed.Detail : null;
}
