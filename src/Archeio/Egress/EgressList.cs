using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.Egress;

/// <summary>
/// Every host a pull can reach, per rule and in all, derived from the configuration once at start: the settings are
/// immutable, so the list is too. Pure (no I/O); the hosts of a rule come from the same lists the router sends
/// clients along (its candidates, <see cref="Router.UpstreamsFor"/>), so the list cannot drift from the routing.
/// </summary>
/// <param name="Entries">The rules in order, then the clients no rule fits (left out when a catch-all rule fits everyone).</param>
/// <param name="Hosts">The union of the entries' <see cref="EgressEntry.Hosts"/>, sorted (ordinal).</param>
/// <param name="NoRule">The entry of the clients no rule fits, also when it is not published (for <see cref="EntryFor"/>).</param>
internal sealed record EgressList(ImmutableArray<EgressEntry> Entries, ImmutableArray<string> Hosts, EgressEntry NoRule)
{
    /// <summary>The entry of <paramref name="rule"/> (as <see cref="Router.MatchRule"/> returned it), or <see cref="NoRule"/> for null.</summary>
    public EgressEntry EntryFor(RuleSettings? rule)
    {
        if (rule is not null)
        {
            foreach (var entry in Entries)
            {
                if (ReferenceEquals(entry.Rule, rule))
                {
                    return entry;
                }
            }
        }

        return NoRule;
    }

    public static EgressList Build(ArcheioSettings settings, Router router)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(router);
        var entries = ImmutableArray.CreateBuilder<EgressEntry>(settings.Rules.Length + 1);
        foreach (var rule in settings.Rules)
        {
            entries.Add(EntryOf(settings, router, rule));
        }

        var noRule = EntryOf(settings, router, rule: null);
        // Behind a catch-all (always the last rule) no client is left without a rule: its hosts would be ones no pull reaches.
        if (settings.Rules.IsEmpty || !settings.Rules[^1].IsCatchAll)
        {
            entries.Add(noRule);
        }

        var published = entries.ToImmutable();
        var union = published.SelectMany(e => e.Hosts).Select(h => h.HostPort).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        return new EgressList(published, [.. union], noRule);
    }

    private static EgressEntry EntryOf(ArcheioSettings settings, Router router, RuleSettings? rule)
    {
        var upstreams = router.UpstreamsFor(rule);
        var reached = Reach(settings, rule, upstreams);
        return rule is { Action: RuleAction.Proxy }
            ? new EgressEntry(rule, upstreams, [], reached)
            : new EgressEntry(rule, upstreams, reached, []);
    }

    /// <summary>
    /// The hosts a request of <paramref name="rule"/>'s clients can be sent to: its candidates (split shares' first
    /// choices among them), and its failover list with what each upstream brings (signatures, storage redirects).
    /// </summary>
    private static ImmutableArray<EgressHost> Reach(ArcheioSettings settings, RuleSettings? rule, ImmutableArray<UpstreamSettings> upstreams)
    {
        var hosts = new HostSet();
        if (rule is not null)
        {
            foreach (var candidate in rule.Candidates.Concat(rule.Split.Select(s => s.Candidate)).Distinct())
            {
                AddCandidate(hosts, candidate);
            }
        }

        for (var i = 0; i < upstreams.Length; i++)
        {
            var upstream = upstreams[i];
            var position = upstreams.Length == 1 ? "" : $" (failover {i + 1} of {upstreams.Length})";
            AddUpstream(hosts, upstream, $"upstream {upstream.Name}{position}: manifests by tag, tags, referrers, blobs no mirror holds");
            // A cosign tag goes to the picked upstream's signature endpoint, else to Archeio:Upstream's (Router.SignaturesOf).
            if (upstream.SignatureEndpoint is { } own)
            {
                hosts.Add(new Uri(own), $"signature upstream of {upstream.Name}: cosign signature tags");
            }
            else if (settings.Upstream.SignatureEndpoint is { } fallback)
            {
                hosts.Add(new Uri(fallback), $"signature upstream of {settings.Upstream.Name}: cosign signature tags of {upstream.Name}");
            }
        }

        return hosts.ToSorted();
    }

    private static void AddCandidate(HostSet hosts, Candidate candidate)
    {
        switch (candidate)
        {
            case MirrorSettings mirror:
                hosts.Add(EgressHost.OfTemplate(mirror.BlobUrl), $"mirror {mirror.Name}: blobs");
                if (mirror.ManifestUrl is { } manifests)
                {
                    hosts.Add(EgressHost.OfTemplate(manifests), $"mirror {mirror.Name}: manifests by digest");
                }

                break;
            case UpstreamCandidate upstream:
                AddUpstream(hosts, upstream.Upstream, $"{upstream.Name}: blobs it holds (a candidate of the rule)");
                break;
            case SignatureUpstreamCandidate signatures:
                hosts.Add(new Uri(signatures.Upstream.SignatureEndpoint!), $"{signatures.Name}: blobs it holds (a candidate of the rule)");
                break;
        }
    }

    /// <summary>An upstream's endpoint, and the storage hosts it redirects clients on to (<c>RedirectHosts</c>).</summary>
    private static void AddUpstream(HostSet hosts, UpstreamSettings upstream, string reason)
    {
        hosts.Add(new Uri(upstream.Endpoint), reason);
        foreach (var redirected in upstream.RedirectHosts)
        {
            hosts.Add(redirected, $"upstream {upstream.Name} redirects to it (RedirectHosts)");
        }
    }

    /// <summary>Hosts with their reasons, each reason once, in the order found.</summary>
    private sealed class HostSet
    {
        private readonly Dictionary<string, List<string>> _hosts = new(StringComparer.Ordinal);

        public void Add(Uri url, string reason) => Add(EgressHost.Of(url), reason);

        public void Add(string hostPort, string reason)
        {
            if (!_hosts.TryGetValue(hostPort, out var reasons))
            {
                _hosts[hostPort] = reasons = [];
            }

            if (!reasons.Contains(reason))
            {
                reasons.Add(reason);
            }
        }

        public ImmutableArray<EgressHost> ToSorted()
            => [.. _hosts.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => new EgressHost(h.Key, [.. h.Value]))];
    }
}
