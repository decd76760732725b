using System.Net;
using Archeio.Ranges.Table;
using Archeio.Routing;

namespace Archeio.Egress;

/// <summary>
/// Whom a view of the list is for: the visitor as the server resolves it (peer and <c>X-Forwarded-For</c>), or the
/// address a <c>?client=</c> names; the routing facts, and the entry of the rule that fits it.
/// </summary>
/// <param name="Client">The client facts the rules match on, as <see cref="Routing.RequestRouter.Gather"/> found them.</param>
/// <param name="Geo">What the geolocation databases say (also when no rule needs it), or null.</param>
/// <param name="Entry">The entry of the rule that fits the client.</param>
/// <param name="Asked">True when the address came from <c>?client=</c>, not from the connection.</param>
internal sealed record EgressVisitor(ClientFacts Client, GeoFacts? Geo, EgressEntry Entry, bool Asked)
{
    public IPAddress? Address => Client.Address;

    public CloudLocation? Location => Client.Location;
}
