namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>A simulated client location: a load-balancer port that adds this client IP to X-Forwarded-For.</summary>
/// <param name="Name">Location name, also the load balancer's name.</param>
/// <param name="ClientIp">The fake client address (facts from ../shared/data/README.md and the AWS file).</param>
/// <param name="Mirrors">Backends that may hold blobs for this location, in the rule's order; empty: upstream only.</param>
internal sealed record ClientLocation(string Name, string ClientIp, IReadOnlyList<string> Mirrors);
