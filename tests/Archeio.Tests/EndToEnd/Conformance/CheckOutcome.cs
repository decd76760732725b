namespace Archeio.Tests.EndToEnd.Conformance;

internal enum OutcomeKind
{
    Pass,
    Fail,
    Skip,
}

/// <summary>The result of one check against one target, with every request it sent and the answer each ended at.</summary>
/// <param name="Kind">pass, FAIL or skip.</param>
/// <param name="Reason">Why it failed (the failures, grouped) or was skipped; empty for a pass.</param>
/// <param name="Exchanges">The requests, in order, as the redirect follower saw them.</param>
internal sealed record CheckOutcome(OutcomeKind Kind, string Reason, IReadOnlyList<FollowedResponse> Exchanges)
{
    public static CheckOutcome NotRun { get; } = new(OutcomeKind.Skip, "not run", []);

    /// <summary>As the table shows it: <c>pass</c>, <c>FAIL: …</c>, <c>skip (…)</c>.</summary>
    public string Display => Kind switch
    {
        OutcomeKind.Pass => "pass",
        OutcomeKind.Fail => "FAIL: " + Reason,
        _ => "skip (" + Reason + ")",
    };
}
