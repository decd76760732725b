using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.Tests.Support;

/// <summary>The router's final decision for tests that say which candidate holds the blob.</summary>
internal static class RouterDecisions
{
    /// <summary>
    /// The decision once the candidates were asked and <paramref name="holder"/> held the blob (null: none did). A
    /// request that needs no asking must not say a holder: that would test nothing.
    /// </summary>
    public static RouteDecision DecideHeld(this Router router, in RequestFacts request, Candidate? holder) => router.Decide(request) switch
    {
        BlobPlan plan => plan.RedirectTo(holder, request.Target),
        RouteDecision decision when holder is null => decision,
        var other => throw new InvalidOperationException($"{other} asks no candidate, so none can hold the blob"),
    };
}
