using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;

namespace Archeio.Routing;

/// <summary>
/// Whether a <c>Match</c> fits a client: the one definition, used by the rules (<see cref="Router.MatchRule"/>) and the
/// rate limits (RateLimiting/RateLimitPolicy.cs). Every given field must fit; an unknown fact never fits a field that
/// asks for it; an empty match fits everyone, including clients in no cloud. Pure.
/// </summary>
internal static class ClientMatcher
{
    public static bool Fits(IClientMatch match, in ClientFacts client)
    {
        if (match.Cloud is not null)
        {
            var location = client.Location;
            if (location is null || !string.Equals(match.Cloud, location.Cloud, StringComparison.OrdinalIgnoreCase)
                || (!match.Regions.IsEmpty && !match.Regions.Contains(location.Region, StringComparer.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        if (!match.Networks.IsEmpty && !InAny(match.Networks, client.Address))
        {
            return false;
        }

        var geo = client.Geo;
        return (match.Countries.IsEmpty || (geo?.Country is { } country && match.Countries.Contains(country)))
            && (match.Continents.IsEmpty || (geo?.Continent is { } continent && match.Continents.Contains(continent)))
            && (match.Asns.IsEmpty || (geo?.Asn is { } asn && match.Asns.Contains(asn)));
    }

    /// <summary>True when <paramref name="address"/> is inside one of <paramref name="networks"/>.</summary>
    public static bool InAny(ImmutableArray<IPNetwork> networks, IPAddress? address)
    {
        if (address is null)
        {
            return false;
        }

        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when a match needs the client's geolocation (country, continent or ASN).</summary>
    public static bool NeedsGeo(IClientMatch match) => !match.Countries.IsEmpty || !match.Continents.IsEmpty || !match.Asns.IsEmpty;
}
