using System.Net;
using Archeio.Blobs;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.RateLimiting;
using Archeio.Ranges.Table;
using Archeio.Signing;
using Archeio.Requests;
using Archeio.Upstreams;
using Microsoft.Extensions.Primitives;

namespace Archeio.Routing;

/// <summary>
/// Turns a request into its final decision, the one way the server (<c>Hosting/RegistryHandler</c>), <c>archeio
/// explain</c> and the benchmarks all route: <see cref="Gather"/> the facts (parse the target, resolve the client,
/// look it up in the cloud ranges and, when needed, the geolocation databases; take the upstreams' health as it
/// stands), ask the <see cref="Router"/> once,
/// and for a <see cref="BlobPlan"/> ask its candidates in order (<see cref="Decide"/>). Answers already known
/// (inventory, local cache) decide synchronously, with no budget and no allocation of an asynchronous state; only a
/// real check waits, for at most <c>BlobCheck:Timeout</c> in all.
/// </summary>
internal sealed class RequestRouter(
    Router router,
    ClientIpResolver clientIpResolver,
    IpRangeTableHolder ranges,
    GeoLookup geo,
    IBlobPresence blobs,
    UpstreamHealthBoard upstreams,
    ArcheioSettings settings,
    TimeProvider time,
    MirrorSigners? signers = null,
    UpstreamQuotaBoard? quotas = null,
    ClientRateLimiter? rateLimits = null)
{
    private readonly MirrorSigners _signers = signers ?? MirrorSigners.None;
    private readonly ClientRateLimiter? _rateLimits = rateLimits is { Enabled: true } ? rateLimits : null;
    // Geolocation is looked up for the client metric too when a country database is there to say the continent.
    private readonly bool _lookUpGeo = router.NeedsGeo || geo.HasCountryDatabase;
    private readonly TimeSpan _budget = settings.BlobCheck.Timeout;

    /// <summary>The facts and the final decision for one request.</summary>
    public ValueTask<Routed> RouteAsync(string method, string rawTarget, IPAddress? peer, StringValues forwardedFor, CancellationToken aborted)
    {
        var facts = Gather(method, rawTarget, peer, forwardedFor);

        // The rate limit comes once the client is known and before anything is asked on its behalf (a mirror's HEAD,
        // a proxied fetch): a client over its limit costs a dictionary lookup. A refused method is cheaper still.
        if (_rateLimits is { } limits && Router.AllowsMethod(method))
        {
            var checking = limits.CheckAsync(facts.Client, peer);
            if (!checking.IsCompletedSuccessfully)
            {
                return CheckedAsync(facts, checking, aborted);
            }

            if (checking.Result is { } limited)
            {
                return new(new Routed(facts, limited));
            }
        }

        var deciding = Decide(facts, router.Decide(facts), aborted);
        return deciding.IsCompletedSuccessfully ? new(new Routed(facts, deciding.Result)) : AwaitAsync(facts, deciding);

        static async ValueTask<Routed> AwaitAsync(RequestFacts facts, ValueTask<RouteDecision> deciding) => new(facts, await deciding);
    }

    /// <summary>A shared limit's answer came from Redis: then the 429, or the decision.</summary>
    private async ValueTask<Routed> CheckedAsync(RequestFacts facts, ValueTask<RateLimited?> checking, CancellationToken aborted)
        => await checking is { } limited ? new(facts, limited) : new(facts, await Decide(facts, router.Decide(facts), aborted));

    /// <summary>What the router decides on; a refused method is not read further (<see cref="Router.AllowsMethod"/>).</summary>
    public RequestFacts Gather(string method, string rawTarget, IPAddress? peer, StringValues forwardedFor)
    {
        if (!Router.AllowsMethod(method))
        {
            return new RequestFacts(method, RegistryRequest.NotRead, default);
        }

        var target = RequestTargetParser.Parse(rawTarget);
        var address = clientIpResolver.Resolve(peer, forwardedFor);
        CloudLocation? location = null;
        GeoFacts? geoFacts = null;
        if (address.Address is { } ip)
        {
            ranges.Current.TryLookup(ip, out location);
            geoFacts = _lookUpGeo ? geo.Lookup(ip) : null;
        }

        return new RequestFacts(method, target, new ClientFacts(address.Address, address.Error, location, router.NeedsGeo ? geoFacts : null), geoFacts, upstreams.Current, quotas?.Current);
    }

    /// <summary>The router's answer for <paramref name="facts"/>: a decision, or a plan for <see cref="Decide"/>.</summary>
    public RouterAnswer Plan(in RequestFacts facts) => router.Decide(facts);

    /// <summary>
    /// The final decision for the router's <paramref name="answer"/>: a decision as it is; a plan's candidates asked in
    /// order, through the answers already known first. A request waits on checks at most <c>BlobCheck:Timeout</c> in
    /// total, however many candidates its rule lists; past it, candidates whose answer is not already known count as
    /// absent for this request only.
    /// </summary>
    public ValueTask<RouteDecision> Decide(in RequestFacts facts, RouterAnswer answer, CancellationToken aborted)
    {
        if (answer is not BlobPlan plan)
        {
            return new((RouteDecision)answer);
        }

        var target = facts.Target;
        var candidates = plan.Candidates;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (!blobs.TryGetKnown(candidates[i], target.Name, target.Reference, out var present, out var size))
            {
                return CheckAsync(plan, facts.Method, target, facts.Upstreams, i, aborted);
            }

            if (present)
            {
                return new(Final(plan, facts.Method, candidates[i], target, facts.Upstreams, size, aborted));
            }
        }

        return new(Final(plan, facts.Method, null, target, facts.Upstreams, blobs.SizeOf(null, target.Name, target.Reference), aborted));
    }

    /// <summary>Asks the candidates from <paramref name="first"/> on (those before it are known absent).</summary>
    private async ValueTask<RouteDecision> CheckAsync(BlobPlan plan, string method, RegistryRequest target, UpstreamHealthView? health, int first, CancellationToken aborted)
    {
        using var budget = new CancellationTokenSource(_budget, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, aborted);
        var candidates = plan.Candidates;
        for (var i = first; i < candidates.Length; i++)
        {
            if (await blobs.ExistsAsync(candidates[i], target.Name, target.Reference, linked.Token))
            {
                // The answer just found is in the cache (or the inventory), with the size its HEAD gave.
                return Final(plan, method, candidates[i], target, health, blobs.SizeOf(candidates[i], target.Name, target.Reference), aborted);
            }
        }

        return Final(plan, method, null, target, health, blobs.SizeOf(null, target.Name, target.Reference), aborted);
    }

    /// <summary>
    /// The plan's answer for the holder found, with the blob's size when an answer gave it (counted by
    /// Metrics/EgressMetrics.cs) and a signed mirror's URL signed for the client's method (Signing/MirrorSigners.cs).
    /// </summary>
    private RouteDecision Final(BlobPlan plan, string method, Candidate? holder, RegistryRequest target, UpstreamHealthView? health, long size, CancellationToken aborted)
        => aborted.IsCancellationRequested ? ClientGone.Instance : _signers.Apply(plan.AnswerFor(holder, target, health, size), method);
}

/// <summary>A request's facts and its final decision.</summary>
internal readonly record struct Routed(RequestFacts Facts, RouteDecision Decision);
