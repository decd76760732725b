using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// The router's answer for a blob whose rule lists candidates: ask <see cref="Candidates"/> in order; the first
/// that holds the blob gets the redirect (<see cref="RedirectTo"/>), and when none does, <see cref="Fallback"/>.
/// One plan per rule and split share, built once; the request's target is given when the redirect is built.
/// </summary>
/// <param name="Rule">The rule that fitted the client.</param>
/// <param name="Candidates">Where to look, in order (never empty).</param>
/// <param name="Fallback">The upstream a blob no candidate holds goes to: the rule's, else <c>Archeio:Upstream</c>.</param>
internal sealed record BlobPlan(RuleSettings Rule, ImmutableArray<Candidate> Candidates, UpstreamSettings Fallback) : RouterAnswer
{
    /// <summary>The redirect once the candidates were asked: to <paramref name="holder"/>, or to the fallback when it is null.</summary>
    public Redirect RedirectTo(Candidate? holder, RegistryRequest target) => Router.BlobRedirect(target, holder, Fallback, Rule);
}
