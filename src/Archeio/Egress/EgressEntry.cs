using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Egress;

/// <summary>
/// What the clients of one rule (or, <see cref="Rule"/> null, the clients no rule fits) can be sent to.
/// </summary>
/// <param name="Rule">The rule, for its index, match and action; null: the clients no rule fits.</param>
/// <param name="Upstreams">Its failover list (<see cref="Routing.Router.UpstreamsFor"/>), in order.</param>
/// <param name="Hosts">The hosts its clients are sent to, sorted; empty for a proxying rule (clients reach only Archeio).</param>
/// <param name="FetchedByArcheio">For a proxying rule, the hosts Archeio itself fetches from for its clients (the
/// same expansion: a proxy follows its sources' redirects), for the firewall of Archeio's own network; else empty.</param>
internal sealed record EgressEntry(
    RuleSettings? Rule, ImmutableArray<UpstreamSettings> Upstreams, ImmutableArray<EgressHost> Hosts, ImmutableArray<EgressHost> FetchedByArcheio)
{
    /// <summary>The words of <see cref="MatchInWords"/> for the clients no rule fits.</summary>
    public const string NoRuleInWords = "clients no rule fits";

    public int? Index => Rule?.Index;

    /// <summary>A client no rule fits is redirected: proxying is a rule's choice.</summary>
    public RuleAction Action => Rule?.Action ?? RuleAction.Redirect;

    public string MatchInWords => Rule?.MatchInWords ?? NoRuleInWords;

    /// <summary>The action as the JSON and the page spell it.</summary>
    public string ActionName => Action == RuleAction.Proxy ? "proxy" : "redirect";

    /// <summary>One sentence on what its clients need, for the JSON's <c>note</c> and the page.</summary>
    public string Note => Action == RuleAction.Proxy
        ? "proxied: Archeio fetches the content itself, so these clients need to reach Archeio alone"
        : "redirected: these clients fetch from the hosts listed themselves, besides Archeio";
}
