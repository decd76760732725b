using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>
/// Every section as read, before linking (<see cref="SettingsLinker"/>); null or empty where a section was invalid.
/// <c>GeoErrors</c> is where rules that need a database <c>Geo</c> lacks are reported (after the Geo errors);
/// <c>MetricsErrors</c> where a <c>Metrics</c> port equal to <c>Port</c> is reported (after the Metrics errors).
/// </summary>
internal sealed record SettingsDraft(
    int Port,
    string InfoUrl,
    string PrivacyUrl,
    UpstreamSettings? Upstream,
    ImmutableArray<UpstreamSettings> Upstreams,
    ImmutableArray<NameRef> UpstreamFailover,
    ErrorSlot UpstreamFailoverErrors,
    UpstreamHealthSettings UpstreamHealth,
    ClientIpSettings ClientIp,
    ImmutableArray<RangeSourceSettings> Ranges,
    RangesRefreshSettings RangesRefresh,
    ImmutableArray<MirrorSettings> Mirrors,
    ImmutableArray<RuleDraft> Rules,
    BlobCheckSettings BlobCheck,
    ProbeSettings Probes,
    GeoSettings Geo,
    ErrorSlot GeoErrors,
    bool RouteHeader,
    MetricsSettings Metrics,
    ErrorSlot MetricsErrors,
    ShutdownSettings Shutdown,
    LoggingSettings Logging,
    ProxySettings Proxy,
    ErrorSlot ProxyErrors,
    EgressSettings Egress)
{
    /// <summary>The rate limits as read (<c>RateLimits</c>).</summary>
    public ImmutableArray<RateLimitDraft> RateLimits { get; init; } = [];

    public RateLimitExemptSettings RateLimitExempt { get; init; } = RateLimitExemptSettings.None;

    /// <summary>Where exempt ASNs without <c>Geo:AsnDatabase</c> are reported.</summary>
    public ErrorSlot? RateLimitExemptErrors { get; init; }
}

/// <summary>
/// Turns the sections as read into the linked model the router uses: names in rules become the mirror and upstream
/// objects they name, rule upstreams listed as <c>upstream</c>/<c>signature-upstream</c> become candidates after the
/// mirrors, and the checks that need more than one section run. Each error goes to the slot its draft left for it.
/// </summary>
internal static class SettingsLinker
{
    /// <summary>The linked settings; null when <see cref="SettingsDraft.Upstream"/> is (its errors are then reported already).</summary>
    public static ArcheioSettings? Link(SettingsDraft draft)
    {
        var failover = ResolveUpstreams(draft, draft.UpstreamFailover, draft.UpstreamFailoverErrors);
        var upstreamCandidates = new List<Candidate>();
        var rules = LinkRules(draft, failover, upstreamCandidates);
        if (draft.Metrics.Port == draft.Port)
        {
            draft.MetricsErrors.Add(nameof(MetricsSettings.Port), $"{draft.Port} is also the public Port: metrics and health must not be served to the internet");
        }

        if (draft.Proxy.MaxConcurrent == 0 && rules.FirstOrDefault(r => r.Action == RuleAction.Proxy) is { } proxied)
        {
            draft.ProxyErrors.Add(
                nameof(ProxySettings.MaxConcurrent),
                $"is 0, so no stream may run, but {ArcheioSettingsReader.SectionName}:Rules:{proxied.Index} proxies (Action: Proxy): raise it, or redirect");
        }

        var rateLimits = LinkRateLimits(draft);
        if (draft.Upstream is null)
        {
            return null;
        }

        // Upstreams that rules list as candidates are checked like mirrors, after the real ones; each candidate that
        // holds manifests by digest gets a view with a slot after all of them.
        ImmutableArray<Candidate> candidates = [.. draft.Mirrors, .. upstreamCandidates];
        var slot = candidates.Length;
        var views = candidates.Select(c => c.HoldsManifests ? new ManifestView(c, slot++) : null).ToImmutableArray();
        return new ArcheioSettings
        {
            Port = draft.Port,
            InfoUrl = draft.InfoUrl,
            PrivacyUrl = draft.PrivacyUrl,
            Upstream = draft.Upstream,
            Upstreams = draft.Upstreams,
            UpstreamFailover = failover,
            UpstreamHealth = draft.UpstreamHealth,
            ProbedUpstreams = [.. rules.Select(r => r.Upstreams).Append(failover).Where(list => list.Length >= 2).SelectMany(list => list).Distinct().OrderBy(u => u.Index)],
            ClientIp = draft.ClientIp,
            Ranges = draft.Ranges,
            RangesRefresh = draft.RangesRefresh,
            Mirrors = draft.Mirrors,
            Candidates = candidates,
            ManifestViews = views,
            Rules = rules,
            BlobCheck = draft.BlobCheck,
            Probes = draft.Probes,
            Geo = draft.Geo,
            RouteHeader = draft.RouteHeader,
            Metrics = draft.Metrics,
            Shutdown = draft.Shutdown,
            Logging = draft.Logging,
            Proxy = draft.Proxy,
            Egress = draft.Egress,
            RateLimits = rateLimits,
            RateLimitExempt = draft.RateLimitExempt,
        };
    }

    /// <summary>
    /// The checks of the rate limits that need other sections: the sources their matches need, Redis for a shared limit,
    /// the ASN database for partitions by ASN and exempt ASNs, and a limit after one that fits everyone (never reached).
    /// </summary>
    private static ImmutableArray<RateLimitSettings> LinkRateLimits(SettingsDraft draft)
    {
        string? everyone = null;
        foreach (var draftLimit in draft.RateLimits)
        {
            var limit = draftLimit.Limit;
            ClientMatch.CheckSources(limit.Match, $"{draftLimit.Key}:{RuleSettings.MatchKey}", draft, draftLimit.CloudErrors);
            if (limit.Shared && draft.BlobCheck.Redis is null)
            {
                draftLimit.EndErrors.Add(nameof(RateLimitSettings.Shared), "is true, but no Redis is configured (BlobCheck:Redis) to share the counts through");
            }

            if (limit.PartitionBy == ClientPartition.Asn && draft.Geo.AsnDatabase is null)
            {
                draftLimit.EndErrors.Add(nameof(RateLimitSettings.PartitionBy), "is Asn, which needs Geo:AsnDatabase");
            }

            if (everyone is not null)
            {
                draftLimit.EndErrors.Add(new(draftLimit.Key, $"unreachable: {everyone} matches every client, so later limits are never tried"));
            }
            else if (ClientMatch.IsEveryone(limit.Match) && draftLimit.MatchValid)
            {
                everyone = draftLimit.Key;
            }
        }

        if (!draft.RateLimitExempt.Asns.IsEmpty && draft.Geo.AsnDatabase is null)
        {
            draft.RateLimitExemptErrors?.Add(nameof(RateLimitExemptSettings.Asns), "lists ASNs, which need Geo:AsnDatabase");
        }

        return [.. draft.RateLimits.Select(d => d.Limit)];
    }

    /// <summary>Resolves every rule's names, in rule order, adding the upstream candidates they list to <paramref name="upstreamCandidates"/>.</summary>
    private static ImmutableArray<RuleSettings> LinkRules(SettingsDraft draft, ImmutableArray<UpstreamSettings> failover, List<Candidate> upstreamCandidates)
    {
        var result = ImmutableArray.CreateBuilder<RuleSettings>();
        string? catchAll = null;
        foreach (var rule in draft.Rules)
        {
            ClientMatch.CheckSources(rule.Unlinked, $"{rule.Key}:{RuleSettings.MatchKey}", draft, rule.CloudErrors);

            var ruleUpstreams = ResolveUpstreams(draft, rule.Upstreams, rule.NameErrors);

            // "upstream" and "signature-upstream" in a list: the first upstream of this rule's failover list, checked
            // like a mirror (a dead one is only absent, and the blob goes to the first healthy upstream after all).
            var ruleUpstream = ruleUpstreams.IsEmpty ? failover.FirstOrDefault() ?? draft.Upstream : ruleUpstreams[0];
            Candidate? Resolve(NameRef name, ErrorSlot errors)
                => name.Value?.ToLowerInvariant() is "upstream" or "signature-upstream"
                    ? UpstreamCandidate(name, ruleUpstream, draft.Upstream, draft.Mirrors.Length, upstreamCandidates, errors)
                    : FindMirror(draft.Mirrors, name, errors);

            var candidates = ImmutableArray.CreateBuilder<Candidate>();
            foreach (var name in rule.Mirrors)
            {
                if (Resolve(name, rule.NameErrors) is { } candidate)
                {
                    candidates.Add(candidate);
                }
            }

            var split = ImmutableArray.CreateBuilder<SplitSettings>();
            var total = 0;
            foreach (var share in rule.Split)
            {
                if (Resolve(share.Mirror, share.Errors) is { } candidate && share.Percent >= 0)
                {
                    total += share.Percent;
                    split.Add(new SplitSettings(candidate, share.Percent));
                }
            }

            if (total > 100)
            {
                rule.EndErrors.Add(new(rule.SplitKey, $"the shares add up to {total}%, more than 100%"));
            }

            var settings = rule.Unlinked with { Candidates = candidates.ToImmutable(), Split = split.ToImmutable(), Upstreams = ruleUpstreams };

            // A rule after a catch-all could never be reached: almost certainly a mistake in the order.
            if (catchAll is not null)
            {
                rule.EndErrors.Add(new(rule.Key, $"unreachable: {catchAll} matches every client, so later rules are never tried"));
            }
            else if (settings.IsCatchAll && rule.MatchValid)
            {
                catchAll = rule.Key;
            }

            result.Add(settings);
        }

        return result.ToImmutable();
    }

    /// <summary>
    /// The upstreams a failover list names, in order: <c>default</c> is <c>Archeio:Upstream</c>, every other name one
    /// of <c>Archeio:Upstreams</c>; an unknown or repeated name is an error (a repeat would be tried twice).
    /// </summary>
    private static ImmutableArray<UpstreamSettings> ResolveUpstreams(SettingsDraft draft, ImmutableArray<NameRef> names, ErrorSlot errors)
    {
        var result = ImmutableArray.CreateBuilder<UpstreamSettings>();
        foreach (var name in names)
        {
            var upstream = string.Equals(name.Value, UpstreamSettings.DefaultName, StringComparison.OrdinalIgnoreCase)
                ? draft.Upstream
                : draft.Upstreams.FirstOrDefault(u => string.Equals(u.Name, name.Value, StringComparison.OrdinalIgnoreCase));
            if (upstream is null)
            {
                // An invalid Archeio:Upstream is reported already; an unknown name is this list's error.
                if (!string.Equals(name.Value, UpstreamSettings.DefaultName, StringComparison.OrdinalIgnoreCase))
                {
                    errors.Add(new(name.Key, $"no upstream is named '{name.Value}' ('default' is Archeio:Upstream; see Archeio:Upstreams)"));
                }
            }
            else if (result.Contains(upstream))
            {
                errors.Add(new(name.Key, $"'{name.Value}' is listed twice"));
            }
            else
            {
                result.Add(upstream);
            }
        }

        return result.ToImmutable();
    }

    private static MirrorSettings? FindMirror(ImmutableArray<MirrorSettings> mirrors, NameRef name, ErrorSlot errors)
    {
        var mirror = mirrors.FirstOrDefault(m => string.Equals(m.Name, name.Value, StringComparison.OrdinalIgnoreCase));
        if (mirror is null)
        {
            errors.Add(new(name.Key, $"no mirror is named '{name.Value}'"));
        }

        return mirror;
    }

    /// <summary>
    /// The candidate for <c>upstream</c> or <c>signature-upstream</c> of <paramref name="upstream"/>. Each distinct one
    /// is added to <paramref name="candidates"/> once, numbered from <paramref name="firstIndex"/> in the order rules first list it.
    /// </summary>
    private static Candidate? UpstreamCandidate(
        NameRef name,
        UpstreamSettings? upstream,
        UpstreamSettings? defaultUpstream,
        int firstIndex,
        List<Candidate> candidates,
        ErrorSlot errors)
    {
        if (upstream is null)
        {
            return null;
        }

        var signature = string.Equals(name.Value, "signature-upstream", StringComparison.OrdinalIgnoreCase);
        if (signature && upstream.SignaturePrefix is null)
        {
            // Signatures live in the canonical registry: fall back to Archeio:Upstream's signature endpoint.
            upstream = defaultUpstream?.SignaturePrefix is not null ? defaultUpstream : null;
            if (upstream is null)
            {
                errors.Add(new(name.Key, "'signature-upstream' needs Upstream:SignatureEndpoint"));
                return null;
            }
        }

        var index = firstIndex + candidates.Count;
        Candidate candidate = signature ? new SignatureUpstreamCandidate(upstream, index) : new UpstreamCandidate(upstream, index);
        var known = candidates.Find(c => c.Name == candidate.Name);
        if (known is not null)
        {
            return known;
        }

        candidates.Add(candidate);
        return candidate;
    }
}
