namespace Archeio.Tests.TestBed;

/// <summary>The faults a <see cref="FaultProxy"/> injects.</summary>
/// <param name="CutDigest">The blob whose GETs are cut: any path ending in <c>/&lt;digest&gt;</c> (mirror or registry layout).</param>
/// <param name="CutAfterBytes">How many body bytes pass before the connection is dropped.</param>
/// <param name="Cut">Which GETs are cut.</param>
/// <param name="RefuseRanges">Answer every request carrying a <c>Range</c> header with 400, as the broken CDN did.</param>
internal sealed record FaultPlan(string? CutDigest = null, long CutAfterBytes = 0, CutPolicy Cut = CutPolicy.None, bool RefuseRanges = false)
{
    public static FaultPlan None { get; } = new();
}
