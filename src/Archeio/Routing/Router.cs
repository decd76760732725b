using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// The whole request-handling policy of docs/request-handling.md as a pure function: no I/O, no clock,
/// no state. Blob requests take two calls: the first names the mirrors to check
/// (<see cref="DecisionKind.CheckMirrors"/>); the caller checks them and calls again with the outcome.
/// </summary>
internal sealed class Router(ArcheioSettings settings)
{
    private readonly string _infoHost = new Uri(settings.InfoUrl).Authority;

    /// <summary>True when some rule matches on country, continent or ASN: only then are clients geolocated.</summary>
    public bool NeedsGeo { get; } = settings.Rules.Any(r => !r.Countries.IsEmpty || !r.Continents.IsEmpty || !r.Asns.IsEmpty);
    private readonly string _privacyHost = new Uri(settings.PrivacyUrl).Authority;

    // The first answer to a blob request depends only on the rule and, with a split, on the client's share: each is
    // built once here, so a blob request allocates no decision (and no candidate list) before its mirrors are checked.
    private readonly Dictionary<RuleSettings, RouteDecision[]> _checks = settings.Rules.ToDictionary<RuleSettings, RuleSettings, RouteDecision[]>(
        rule => rule,
        rule => [.. Enumerable.Range(-1, rule.Split.Length + 1).Select(share => CheckDecision(rule, share))],
        ReferenceEqualityComparer.Instance);

    public RouteDecision Decide(in RequestFacts request, in ClientFacts client, MirrorState mirrors)
    {
        // Only what a pull needs; this service never accepts mutation. Methods are case-sensitive
        // (RFC 9110 §9.1): "get" is not GET.
        if (request.Method is not ("GET" or "HEAD"))
        {
            return RouteDecision.MethodNotAllowed;
        }

        var target = request.Target;
        switch (target.Kind)
        {
            case RequestKind.Root:
                return RouteDecision.Redirect(RouteTarget.Info, settings.InfoUrl, _infoHost);
            case RequestKind.Privacy:
                return RouteDecision.Redirect(RouteTarget.Privacy, settings.PrivacyUrl, _privacyHost);
            case RequestKind.OutsideApi:
                return RouteDecision.NotFound;
            case RequestKind.ApiBase:
                return RouteDecision.ApiVersion;
            case RequestKind.Catalog:
                return RouteDecision.Oci(OciErrorCode.NotFound, "_catalog is not supported");
            case RequestKind.Invalid:
                return RouteDecision.Oci(target.Error ?? OciErrorCode.NotFound, target.ErrorMessage ?? "invalid path");
            case RequestKind.Blob:
                return DecideBlob(target, client, mirrors);
            default:
                return DecideOther(target, UpstreamFor(MatchRule(client)));
        }
    }

    private RouteDecision DecideBlob(RegistryRequest target, in ClientFacts client, MirrorState mirrors)
    {
        if (client.Address is null)
        {
            return new RouteDecision(DecisionKind.BadRequest, Message: client.AddressError ?? "client address unknown");
        }

        return DecideBlob(target, client, mirrors, MatchRule(client));
    }

    // Every decision here carries the rule (explanations, the route header); each is built once, with it
    // (a `with` copy would allocate a second record on every blob request).
    private RouteDecision DecideBlob(RegistryRequest target, in ClientFacts client, MirrorState mirrors, RuleSettings? rule)
    {
        if (mirrors.Checked)
        {
            return mirrors.Holder switch
            {
                null => ToUpstream(target, UpstreamFor(rule), rule: rule),
                // An upstream checked like a mirror: its own redirect, query string included.
                { Upstream: { } upstream, IsSignatureUpstream: true } => new RouteDecision(
                    DecisionKind.Redirect, RouteTarget.SignatureUpstream, UpstreamLocation(upstream.SignaturePrefix!, target), mirrors.Holder, TargetHost: upstream.SignatureHost!) { Rule = rule },
                { Upstream: { } upstream } => ToUpstream(target, upstream, mirrors.Holder, rule),
                var holder => new RouteDecision(DecisionKind.Redirect, RouteTarget.Mirror, holder.UrlFor(target.Name, target.Reference), holder, TargetHost: holder.Host) { Rule = rule },
            };
        }

        if (rule is not null)
        {
            var share = ShareOf(rule, client);
            var check = _checks.TryGetValue(rule, out var checks) ? checks[share + 1] : CheckDecision(rule, share);
            if (!check.Candidates.IsEmpty)
            {
                return check;
            }
        }

        return ToUpstream(target, UpstreamFor(rule), rule: rule);
    }

    private static RouteDecision CheckDecision(RuleSettings rule, int share)
        => new(DecisionKind.CheckMirrors, Candidates: CandidatesFor(rule, share)) { Rule = rule };

    /// <summary>The first rule whose every given match field fits the client, or null.</summary>
    public RuleSettings? MatchRule(in ClientFacts client)
    {
        foreach (var rule in settings.Rules)
        {
            if (Fits(rule, client))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>
    /// The mirrors a rule tries for a client, in order: the rule's list, except that a client in a split's
    /// share tries that split's mirror first (then the rest of the list).
    /// </summary>
    public static ImmutableArray<MirrorSettings> CandidatesFor(RuleSettings rule, in ClientFacts client) => CandidatesFor(rule, ShareOf(rule, client));

    private static ImmutableArray<MirrorSettings> CandidatesFor(RuleSettings rule, int share)
    {
        if (share < 0)
        {
            return rule.Mirrors;
        }

        var first = rule.Split[share].Mirror;
        return [first, .. rule.Mirrors.Where(m => m != first)];
    }

    /// <summary>The index of the <see cref="RuleSettings.Split"/> share the client falls in, or -1 (the rule's own order).</summary>
    private static int ShareOf(RuleSettings rule, in ClientFacts client)
    {
        if (rule.Split.IsEmpty || client.Address is null)
        {
            return -1;
        }

        var bucket = SplitBucket.Of(client.Address);
        var from = 0;
        for (var i = 0; i < rule.Split.Length; i++)
        {
            var to = from + (rule.Split[i].Percent * (SplitBucket.Buckets / 100));
            if (bucket >= from && bucket < to)
            {
                return i;
            }

            from = to;
        }

        return -1;
    }

    private static bool Fits(RuleSettings rule, in ClientFacts client)
    {
        if (rule.Cloud is not null)
        {
            var location = client.Location;
            if (location is null || !string.Equals(rule.Cloud, location.Cloud, StringComparison.OrdinalIgnoreCase)
                || (!rule.Regions.IsEmpty && !rule.Regions.Contains(location.Region, StringComparer.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        var geo = client.Geo;
        return (rule.Countries.IsEmpty || (geo?.Country is { } country && rule.Countries.Contains(country)))
            && (rule.Continents.IsEmpty || (geo?.Continent is { } continent && rule.Continents.Contains(continent)))
            && (rule.Asns.IsEmpty || (geo?.Asn is { } asn && rule.Asns.Contains(asn)));
    }

    /// <summary>The upstream of the rule that fits the client (regional upstreams), else <c>Archeio:Upstream</c>.</summary>
    private UpstreamSettings UpstreamFor(RuleSettings? rule) => rule?.Upstream ?? settings.Upstream;

    /// <summary>
    /// Manifests, tags and referrers go to the upstream; cosign signature tags to its signature endpoint, or,
    /// when it has none, to <c>Archeio:Upstream</c>'s (signatures live in the canonical registry), or to it.
    /// </summary>
    private RouteDecision DecideOther(RegistryRequest target, UpstreamSettings upstream)
    {
        if (target.IsCosignTag)
        {
            var signatures = upstream.SignaturePrefix is not null ? upstream : settings.Upstream;
            if (signatures.SignaturePrefix is { } prefix)
            {
                return RouteDecision.Redirect(RouteTarget.SignatureUpstream, UpstreamLocation(prefix, target), signatures.SignatureHost!);
            }
        }

        return ToUpstream(target, upstream);
    }

    private static RouteDecision ToUpstream(RegistryRequest target, UpstreamSettings upstream, MirrorSettings? mirror = null, RuleSettings? rule = null)
        => new(DecisionKind.Redirect, RouteTarget.Upstream, UpstreamLocation(upstream.Prefix, target), mirror, TargetHost: upstream.Host) { Rule = rule };

    /// <summary>
    /// <c>&lt;prefix&gt;&lt;name&gt;/&lt;rest&gt;&lt;query&gt;</c>: name and rest are validated and canonical;
    /// the query is kept byte for byte (pagination <c>n</c>/<c>last</c>, <c>artifactType</c>, <c>ns</c>).
    /// </summary>
    private static string UpstreamLocation(string prefix, RegistryRequest target)
        => string.Concat(prefix, target.Name, "/", target.Rest, target.Query);
}
