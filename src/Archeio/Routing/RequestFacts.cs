using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>The request as the router sees it: the method and the parsed target.</summary>
internal readonly record struct RequestFacts(string Method, RegistryRequest Target);
