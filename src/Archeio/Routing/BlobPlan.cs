using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// The router's answer for a blob whose rule lists candidates: ask <see cref="Candidates"/> in order; the first
/// that holds the blob gets the redirect (<see cref="RedirectTo"/>), and when none does, the first healthy of
/// <see cref="Upstreams"/>.
/// One plan per rule and split share, built once; the request's target is given when the redirect is built.
/// </summary>
/// <param name="Rule">The rule that fitted the client.</param>
/// <param name="Candidates">Where to look, in order (never empty).</param>
/// <param name="Upstreams">The failover list a blob no candidate holds goes to (never empty): the rule's, else <c>Archeio:UpstreamFailover</c>.</param>
internal sealed record BlobPlan(RuleSettings Rule, ImmutableArray<Candidate> Candidates, ImmutableArray<UpstreamSettings> Upstreams) : RouterAnswer
{
    /// <summary>
    /// The redirect once the candidates were asked: to <paramref name="holder"/>, or, when it is null, to the first
    /// upstream of the list that <paramref name="health"/> does not eject (the first when all are: fail static), with the
    /// blob's <paramref name="size"/> when the holder's answer gave it, else -1 (<see cref="Redirect.Size"/>).
    /// </summary>
    public Redirect RedirectTo(Candidate? holder, RegistryRequest target, UpstreamHealthView? health = null, long size = -1)
        => Router.BlobRedirect(target, holder, Upstreams, health, Rule, size);

    /// <summary>
    /// The final answer once the candidates were asked: <see cref="RedirectTo"/>'s redirect, or, for a rule that
    /// proxies, the content from the same target (<see cref="Proxy"/>).
    /// </summary>
    public RouteDecision AnswerFor(Candidate? holder, RegistryRequest target, UpstreamHealthView? health = null, long size = -1)
        => Router.BlobAnswer(target, holder, Upstreams, health, Rule, size);
}
