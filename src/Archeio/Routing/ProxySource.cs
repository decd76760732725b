using Archeio.Configuration;

namespace Archeio.Routing;

/// <summary>One place a proxied request's content may be fetched from (<see cref="Proxy.Sources"/>).</summary>
/// <param name="Url">The absolute URL, exactly the <c>Location</c> a redirect to it would carry.</param>
/// <param name="Host">Its authority, for logs.</param>
/// <param name="Label">Which source, for metrics and the access log: <c>mirror:&lt;name&gt;</c>, <c>upstream:&lt;name&gt;</c>, <c>signature-upstream</c>.</param>
/// <param name="Candidate">The candidate found holding the object (a mirror, or an upstream checked like one), whose breaker hears of its failures and wrong bytes; null for an upstream of the failover list.</param>
/// <param name="Repository">
/// The repository as the source names it (the upstream's <c>Path</c> prefix included), for the token's pull scope
/// (<c>repository:&lt;name&gt;:pull</c>) when a registry challenges; empty for a mirror.
/// </param>
internal sealed record ProxySource(string Url, string Host, string Label, Candidate? Candidate, string Repository);
