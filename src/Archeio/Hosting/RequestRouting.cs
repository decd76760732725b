using System.Net;
using Archeio.Blobs;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Microsoft.Extensions.Primitives;

namespace Archeio.Hosting;

/// <summary>
/// The request's decision without HTTP, as <see cref="RegistryHandler"/> takes it (and the hot-path benchmark
/// measures it): parse the raw target, resolve the client, look it up in the cloud ranges (and the geolocation
/// databases when needed), ask the <see cref="Router"/>, and for a blob request walk the candidates through the
/// answers already known (inventory, local cache). Only when some candidate needs a real check does the handler
/// go asynchronous, with the request's budget, from that candidate on.
/// </summary>
internal sealed class RequestRouting(Router router, ClientIpResolver clientIpResolver, IpRangeTableHolder ranges, GeoLookup geo, IBlobPresence blobs)
{
    // Geolocation is looked up for the client metric too when a country database is there to say the continent.
    private readonly bool _lookUpGeo = router.NeedsGeo || geo.HasCountryDatabase;

    /// <summary>The facts and the router's first decision (<see cref="DecisionKind.CheckMirrors"/> for a blob with candidates).</summary>
    public RoutedRequest Begin(string method, string rawTarget, IPAddress? peer, StringValues forwardedFor)
    {
        var target = RequestTargetParser.Parse(rawTarget);
        var address = clientIpResolver.Resolve(peer, forwardedFor);
        CloudLocation? location = null;
        if (address.Address is { } ip)
        {
            ranges.Current.TryLookup(ip, out location);
        }

        var geoFacts = _lookUpGeo && address.Address is { } known ? geo.Lookup(known) : null;
        var client = new ClientFacts(address.Address, address.Error, location, router.NeedsGeo ? geoFacts : null);
        var request = new RequestFacts(method, target);
        return new RoutedRequest(request, client, geoFacts, router.Decide(request, client, MirrorState.Unchecked));
    }

    /// <summary>
    /// Walks a <see cref="DecisionKind.CheckMirrors"/> decision's candidates, in order, through the answers already
    /// known. True when that decides: <paramref name="holder"/> is the first known holder, or null when every
    /// candidate is known to lack the blob. False when candidate <paramref name="firstUnknown"/> must be checked
    /// (the ones before it are known absent).
    /// </summary>
    public bool TryFindKnownHolder(RouteDecision decision, RegistryRequest target, out MirrorSettings? holder, out int firstUnknown)
    {
        var candidates = decision.Candidates;
        for (var i = 0; i < candidates.Length; i++)
        {
            if (!blobs.TryGetKnown(candidates[i], target.Name, target.Reference, out var present))
            {
                holder = null;
                firstUnknown = i;
                return false;
            }

            if (present)
            {
                holder = candidates[i];
                firstUnknown = -1;
                return true;
            }
        }

        holder = null;
        firstUnknown = -1;
        return true;
    }

    /// <summary>The router's decision once the candidates have been checked.</summary>
    public RouteDecision Finish(in RoutedRequest routed, MirrorSettings? holder)
        => router.Decide(routed.Request, routed.Client, MirrorState.HeldBy(holder));

    /// <summary>The final decision when no check has to wait (the whole decision for a cached blob); null when one does.</summary>
    public RouteDecision? TryDecide(string method, string rawTarget, IPAddress? peer, StringValues forwardedFor)
    {
        var routed = Begin(method, rawTarget, peer, forwardedFor);
        if (routed.Decision.Kind != DecisionKind.CheckMirrors)
        {
            return routed.Decision;
        }

        return TryFindKnownHolder(routed.Decision, routed.Request.Target, out var holder, out _) ? Finish(routed, holder) : null;
    }
}

/// <summary>What <see cref="RequestRouting.Begin"/> found.</summary>
/// <param name="Request">The method and parsed target.</param>
/// <param name="Client">The client facts the router saw.</param>
/// <param name="Geo">Geolocation for the client metric (also when no rule needed it), or null.</param>
/// <param name="Decision">The router's first decision.</param>
internal readonly record struct RoutedRequest(RequestFacts Request, ClientFacts Client, GeoFacts? Geo, RouteDecision Decision);
