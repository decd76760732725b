using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>What is known about a request before any candidate is asked: the router's whole input.</summary>
/// <param name="Method">The HTTP method, exactly as received.</param>
/// <param name="Target">The parsed request target; <see cref="RegistryRequest.NotRead"/> when the method was refused first.</param>
/// <param name="Client">The client facts the rules match on.</param>
/// <param name="Geo">Geolocation for the client metric (also when no rule needs it), or null.</param>
/// <param name="Upstreams">Which upstreams are ejected; null: every upstream is healthy.</param>
/// <param name="Quotas">Which upstreams are at their <c>MaxRequestsPerMinute</c>; null: none.</param>
internal readonly record struct RequestFacts(
    string Method, RegistryRequest Target, ClientFacts Client, GeoFacts? Geo = null, UpstreamHealthView? Upstreams = null, UpstreamQuotaView? Quotas = null);
