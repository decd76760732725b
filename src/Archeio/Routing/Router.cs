using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// The whole request-handling policy of docs/request-handling.md as a pure function from facts to an answer: no I/O,
/// no clock, no state. Every request is decided here once: a final <see cref="RouteDecision"/>, or for a blob whose
/// rule lists candidates a <see cref="BlobPlan"/> that names them in order and builds the redirect for whichever holds
/// the blob (<see cref="RequestRouter"/> asks them).
/// </summary>
internal sealed class Router(ArcheioSettings settings)
{
    private readonly Redirect _info = new(RouteTarget.Info, settings.InfoUrl, new Uri(settings.InfoUrl).Authority);
    private readonly Redirect _privacy = new(RouteTarget.Privacy, settings.PrivacyUrl, new Uri(settings.PrivacyUrl).Authority);
    private readonly OciError _catalog = new(OciErrorCode.NotFound, "_catalog is not supported");

    // The 429 of a list whose upstreams are all at their quota, by its first upstream's index (RetryAfter set per request).
    private readonly RateLimited[] _quotaAnswers = [.. settings.AllUpstreams.Select(u => RateLimited.For(
        "upstream:" + u.Name, "too many requests: the upstream registries' request quota (MaxRequestsPerMinute) is used up for now"))];

    // The failover list of requests no rule claims and of rules that list none.
    private readonly ImmutableArray<UpstreamSettings> _failover = FailoverOf(settings);

    // A blob's plan depends only on the rule and, with a split, on the client's share: each is built once here, so
    // deciding a blob request allocates no plan and no candidate list. Index 0 is the rule's own order, 1 + i split i's.
    private readonly Dictionary<RuleSettings, BlobPlan[]> _plans = settings.Rules.ToDictionary<RuleSettings, RuleSettings, BlobPlan[]>(
        rule => rule,
        rule => [.. Enumerable.Range(-1, rule.Split.Length + 1).Select(share => new BlobPlan(rule, CandidatesFor(rule, share), UpstreamsOf(rule, FailoverOf(settings))))],
        ReferenceEqualityComparer.Instance);

    // The same for manifests by digest: the plan's candidates, in the same order, asked for manifests (their
    // ManifestView); those that hold none (mirrors without ManifestUrl) are left out.
    private readonly Dictionary<RuleSettings, BlobPlan[]> _manifestPlans = settings.Rules.ToDictionary<RuleSettings, RuleSettings, BlobPlan[]>(
        rule => rule,
        rule => [.. Enumerable.Range(-1, rule.Split.Length + 1).Select(share => new BlobPlan(
            rule, [.. CandidatesFor(rule, share).Select(settings.ManifestViewOf).OfType<Candidate>()], UpstreamsOf(rule, FailoverOf(settings))))],
        ReferenceEqualityComparer.Instance);

    /// <summary>
    /// True when some rule or rate limit matches on country, continent or ASN, a limit partitions by ASN, or exempt ASNs
    /// are listed: only then are clients geolocated.
    /// </summary>
    public bool NeedsGeo { get; } = settings.Rules.Any(ClientMatcher.NeedsGeo) || settings.RateLimits.Any(l => ClientMatcher.NeedsGeo(l.Match) || l.PartitionBy == ClientPartition.Asn)
        || !settings.RateLimitExempt.Asns.IsEmpty;

    /// <summary>
    /// Only what a pull needs; this service never accepts mutation. Methods are case-sensitive (RFC 9110 §9.1): "get"
    /// is not GET. Checked before anything else is read (distribution-spec: a registry answers 405 for methods it
    /// does not serve), so a refused request costs no parsing, no client resolution and no range lookup.
    /// </summary>
    public static bool AllowsMethod(string method) => method is "GET" or "HEAD";

    public RouterAnswer Decide(in RequestFacts request)
    {
        if (!AllowsMethod(request.Method))
        {
            return MethodNotAllowed.Instance;
        }

        var target = request.Target;
        switch (target.Kind)
        {
            case RequestKind.Root:
                return _info;
            case RequestKind.Privacy:
                return _privacy;
            case RequestKind.OutsideApi:
                return PageNotFound.Instance;
            case RequestKind.ApiBase:
                return ApiVersion.Instance;
            case RequestKind.Catalog:
                return _catalog;
            case RequestKind.Invalid:
                return new OciError(target.Error ?? OciErrorCode.NotFound, target.ErrorMessage ?? "invalid path", target.ErrorStatus);
            case RequestKind.Blob:
                return DecideContent(target, request, _plans);
            case RequestKind.Manifest when target.IsContentAddressed:
                // By digest: content-addressed, the client checks the digest, so as safe from a mirror as a blob. By
                // tag (mutable) a manifest stays with the upstreams.
                return DecideContent(target, request, _manifestPlans);
            default:
                var rule = MatchRule(request.Client);
                var upstreams = UpstreamsFor(rule);
                if (PickWithinQuota(upstreams, request.Upstreams, request.Quotas) is not { } picked)
                {
                    return _quotaAnswers[upstreams[0].Index] with { RetryAfter = request.Quotas!.RetryAfter };
                }

                var redirect = DecideOther(target, picked);
                return Apply(rule, redirect, target, redirect.Target == RouteTarget.SignatureUpstream ? SignaturesOf(picked) : picked, WithinQuota(upstreams, request.Quotas), request.Upstreams);
        }
    }

    /// <summary>
    /// The upstream a request goes to: the first of <paramref name="upstreams"/> that <paramref name="health"/> does not
    /// eject; when every one is ejected, the first (fail static: a redirect to an upstream that may be back is better
    /// than an error of ours, and the client's own retry may find it up).
    /// </summary>
    public static UpstreamSettings Pick(ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health)
    {
        if (health is not null)
        {
            foreach (var upstream in upstreams)
            {
                if (!health.IsEjected(upstream))
                {
                    return upstream;
                }
            }
        }

        return upstreams[0];
    }

    /// <summary>
    /// The upstream a tag or manifest request goes to when some upstreams are at their <c>MaxRequestsPerMinute</c>
    /// (<paramref name="quotas"/>): <see cref="Pick"/> among those that are not, so one at its quota is passed over like
    /// an ejected one; null when every upstream of the list is at its quota (a 429: sending more would spend a quota
    /// that protects the upstream, and the client retries after <c>Retry-After</c>).
    /// </summary>
    public static UpstreamSettings? PickWithinQuota(ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health, UpstreamQuotaView? quotas)
    {
        if (quotas is null || ReferenceEquals(quotas, UpstreamQuotaView.None))
        {
            return Pick(upstreams, health);
        }

        UpstreamSettings? within = null;
        foreach (var upstream in upstreams)
        {
            if (quotas.IsSaturated(upstream))
            {
                continue;
            }

            if (health is null || !health.IsEjected(upstream))
            {
                return upstream;
            }

            // Every one within its quota is ejected: the first of them (fail static).
            within ??= upstream;
        }

        return within;
    }

    /// <summary>
    /// The upstreams of <paramref name="upstreams"/> not at their quota, for a proxied tag or manifest request's further
    /// sources: one at its quota is not asked either (the list itself while none is, with no allocation).
    /// </summary>
    private static ImmutableArray<UpstreamSettings> WithinQuota(ImmutableArray<UpstreamSettings> upstreams, UpstreamQuotaView? quotas)
        => quotas is null || ReferenceEquals(quotas, UpstreamQuotaView.None) ? upstreams : [.. upstreams.Where(u => !quotas.IsSaturated(u))];

    /// <summary>The failover list of <paramref name="rule"/> (the rule that fits a client, or null): its own, else <c>Archeio:UpstreamFailover</c>.</summary>
    public ImmutableArray<UpstreamSettings> UpstreamsFor(RuleSettings? rule) => UpstreamsOf(rule, _failover);

    private static ImmutableArray<UpstreamSettings> UpstreamsOf(RuleSettings? rule, ImmutableArray<UpstreamSettings> failover)
        => rule is { Upstreams.IsDefaultOrEmpty: false } ? rule.Upstreams : failover;

    /// <summary><c>Archeio:UpstreamFailover</c>, or <c>Archeio:Upstream</c> alone when it is empty.</summary>
    private static ImmutableArray<UpstreamSettings> FailoverOf(ArcheioSettings settings)
        => settings.UpstreamFailover.IsDefaultOrEmpty ? [settings.Upstream] : settings.UpstreamFailover;

    /// <summary>
    /// A blob, or a manifest by digest, goes to the first of its rule's candidates that holds it (from
    /// <paramref name="plans"/>: blobs, or manifests), else to the first healthy upstream of the rule's list.
    /// </summary>
    private RouterAnswer DecideContent(RegistryRequest target, in RequestFacts request, Dictionary<RuleSettings, BlobPlan[]> plans)
    {
        var client = request.Client;
        if (client.Address is null)
        {
            return new ClientAddressUnknown(client.AddressError ?? "client address unknown");
        }

        var rule = MatchRule(client);
        if (rule is not null)
        {
            // MatchRule returns one of the settings' rules, each of which has its plans.
            var plan = plans[rule][ShareOf(rule, client) + 1];
            if (!plan.Candidates.IsEmpty)
            {
                return plan;
            }
        }

        var upstreams = UpstreamsFor(rule);
        var picked = Pick(upstreams, request.Upstreams);
        var redirect = ToUpstream(target, picked, holder: null, rule);
        return Apply(rule, redirect, target, picked, upstreams, request.Upstreams);
    }

    /// <summary>The first rule whose every given match field fits the client, or null.</summary>
    public RuleSettings? MatchRule(in ClientFacts client)
    {
        foreach (var rule in settings.Rules)
        {
            if (ClientMatcher.Fits(rule, client))
            {
                return rule;
            }
        }

        return null;
    }

    /// <summary>The candidates a rule tries for a client, in order (see the overload below).</summary>
    public static ImmutableArray<Candidate> CandidatesFor(RuleSettings rule, in ClientFacts client) => CandidatesFor(rule, ShareOf(rule, client));

    /// <summary>
    /// The candidates a rule tries for a client share, in order: the rule's list, except that a client in a split's
    /// share (index <paramref name="share"/>, -1 for none) tries that split's candidate first, then the rest of the list.
    /// </summary>
    private static ImmutableArray<Candidate> CandidatesFor(RuleSettings rule, int share)
    {
        if (share < 0)
        {
            return rule.Candidates;
        }

        var first = rule.Split[share].Candidate;
        return [first, .. rule.Candidates.Where(m => m != first)];
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

    /// <summary>
    /// Manifests, tags and referrers go to the upstream; cosign signature tags to its signature endpoint, or,
    /// when it has none, to <c>Archeio:Upstream</c>'s (signatures live in the canonical registry), or to it.
    /// </summary>
    private Redirect DecideOther(RegistryRequest target, UpstreamSettings upstream)
    {
        if (target.IsCosignTag)
        {
            var signatures = SignaturesOf(upstream);
            if (signatures.SignaturePrefix is { } prefix)
            {
                return new Redirect(RouteTarget.SignatureUpstream, UpstreamLocation(prefix, target), signatures.SignatureHost!);
            }
        }

        return ToUpstream(target, upstream);
    }

    /// <summary>
    /// The answer for a blob whose candidates were asked (<see cref="BlobRedirect"/>): the redirect, or, when the rule
    /// proxies, the content from the same target and then from the failover list.
    /// </summary>
    internal static RouteDecision BlobAnswer(
        RegistryRequest target, Candidate? holder, ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health, RuleSettings rule, long size = -1)
    {
        // No holder: BlobRedirect picked the upstream, and a proxy picks it the same way (ProxyOf), only then.
        return Apply(rule, BlobRedirect(target, holder, upstreams, health, rule, size), target, picked: null, upstreams, health);
    }

    /// <summary>
    /// The one place a rule's <see cref="RuleSettings.Action"/> is applied: the redirect as it is, or, for a rule that
    /// proxies, the content from the same target (<see cref="ProxyOf"/>).
    /// </summary>
    private static RouteDecision Apply(
        RuleSettings? rule, Redirect redirect, RegistryRequest target, UpstreamSettings? picked, ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health)
        => rule is { Action: RuleAction.Proxy } ? ProxyOf(redirect, target, picked ?? Pick(upstreams, health), upstreams, health) : redirect;

    /// <summary>
    /// A proxied answer: the content from the target <paramref name="via"/> names (its holder, else
    /// <paramref name="picked"/>: the upstream, or the signature upstream, it went to), then, unless that is a
    /// signature upstream (signatures live there alone), from the other upstreams of <paramref name="upstreams"/>:
    /// those <paramref name="health"/> does not eject first, in list order, then the ejected (fail static). A source that
    /// fails before its answer starts is passed over for the next (Proxying/ProxyForwarder.cs).
    /// </summary>
    internal static Proxy ProxyOf(Redirect via, RegistryRequest target, UpstreamSettings picked, ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health)
    {
        var store = via.Holder is ManifestView view ? view.Store : via.Holder;
        var first = store switch
        {
            MirrorSettings mirror => new ProxySource(via.Location, via.TargetHost, "mirror:" + mirror.Name, via.Holder, ""),
            UpstreamCandidate candidate => UpstreamSource(via, candidate.Upstream, target, via.Holder),
            SignatureUpstreamCandidate candidate => UpstreamSource(via, candidate.Upstream, target, via.Holder),
            _ => UpstreamSource(via, picked, target, candidate: null),
        };
        if (via.Target == RouteTarget.SignatureUpstream)
        {
            return new Proxy(via, [first]);
        }

        var sources = ImmutableArray.CreateBuilder<ProxySource>(upstreams.Length + 1);
        sources.Add(first);
        foreach (var ejected in (ReadOnlySpan<bool>)[false, true])
        {
            foreach (var upstream in upstreams)
            {
                var url = UpstreamLocation(upstream.Prefix, target);
                if ((health?.IsEjected(upstream) ?? false) == ejected && url != first.Url)
                {
                    sources.Add(new ProxySource(url, upstream.Host, "upstream:" + upstream.Name, null, RepositoryOf(upstream.Path, target)));
                }
            }
        }

        return new Proxy(via, sources.ToImmutable());
    }

    /// <summary>The source of a redirect to an upstream, or to its signature endpoint.</summary>
    private static ProxySource UpstreamSource(Redirect via, UpstreamSettings upstream, RegistryRequest target, Candidate? candidate)
        => via.Target == RouteTarget.SignatureUpstream
            ? new ProxySource(via.Location, via.TargetHost, "signature-upstream:" + upstream.Name, candidate, RepositoryOf(upstream.SignaturePath, target))
            : new ProxySource(via.Location, via.TargetHost, "upstream:" + upstream.Name, candidate, RepositoryOf(upstream.Path, target));

    /// <summary>The repository as a registry names it: its <c>Path</c> prefix, then the request's name.</summary>
    private static string RepositoryOf(string path, RegistryRequest target) => path.Length == 0 ? target.Name : string.Concat(path, "/", target.Name);

    /// <summary>Whose signature endpoint a cosign tag of <paramref name="upstream"/>'s goes to: its own, else <c>Archeio:Upstream</c>'s.</summary>
    private UpstreamSettings SignaturesOf(UpstreamSettings upstream) => upstream.SignaturePrefix is not null ? upstream : settings.Upstream;

    /// <summary>
    /// The redirect of a blob whose candidates were asked: the holder's own URL for a mirror (its query is the
    /// mirror's, the client's is dropped); an upstream's, query included, for an upstream checked like a mirror;
    /// the first of <paramref name="upstreams"/> that <paramref name="health"/> does not eject (<see cref="Pick"/>) when no
    /// candidate holds it. <see cref="BlobPlan.RedirectTo"/> calls this.
    /// </summary>
    internal static Redirect BlobRedirect(
        RegistryRequest target, Candidate? holder, ImmutableArray<UpstreamSettings> upstreams, UpstreamHealthView? health, RuleSettings rule, long size = -1) => holder switch
    {
        null => ToUpstream(target, Pick(upstreams, health), holder: null, rule, size),
        ManifestView { Store: MirrorSettings mirror } view => new Redirect(RouteTarget.Mirror, mirror.ManifestUrlFor(target.Name, target.Reference)!, mirror.Host, view, rule, size),
        ManifestView { Store: UpstreamCandidate upstream } view => ToUpstream(target, upstream.Upstream, view, rule, size),
        ManifestView { Store: SignatureUpstreamCandidate signatures } view => new Redirect(RouteTarget.SignatureUpstream, UpstreamLocation(signatures.Prefix, target), signatures.Host, view, rule, size, signatures.Upstream),
        MirrorSettings mirror => new Redirect(RouteTarget.Mirror, mirror.UrlFor(target.Name, target.Reference), mirror.Host, mirror, rule, size),
        UpstreamCandidate upstream => ToUpstream(target, upstream.Upstream, upstream, rule, size),
        SignatureUpstreamCandidate signatures => new Redirect(RouteTarget.SignatureUpstream, UpstreamLocation(signatures.Prefix, target), signatures.Host, signatures, rule, size, signatures.Upstream),
        _ => throw new ArgumentOutOfRangeException(nameof(holder), holder, "not a candidate kind the router knows"),
    };

    private static Redirect ToUpstream(RegistryRequest target, UpstreamSettings upstream, Candidate? holder = null, RuleSettings? rule = null, long size = -1)
        => new(RouteTarget.Upstream, UpstreamLocation(upstream.Prefix, target), upstream.Host, holder, rule, size, upstream);

    /// <summary>
    /// <c>&lt;prefix&gt;&lt;name&gt;/&lt;rest&gt;&lt;query&gt;</c>: name and rest are validated and canonical;
    /// the query is kept byte for byte (pagination <c>n</c>/<c>last</c>, <c>artifactType</c>, <c>ns</c>).
    /// </summary>
    private static string UpstreamLocation(string prefix, RegistryRequest target)
        => string.Concat(prefix, target.Name, "/", target.Rest, target.Query);
}
