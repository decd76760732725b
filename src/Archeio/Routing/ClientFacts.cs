using System.Net;
using Archeio.Ranges.Table;

namespace Archeio.Routing;

/// <summary>What is known about the client: its address (or why there is none), its cloud location and
/// what the geolocation databases say.</summary>
internal readonly record struct ClientFacts(IPAddress? Address, string? AddressError, CloudLocation? Location, GeoFacts? Geo = null);
