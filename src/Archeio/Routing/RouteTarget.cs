namespace Archeio.Routing;

/// <summary>Where a request was sent, for logs and (later) metrics.</summary>
internal enum RouteTarget
{
    None,
    Info,
    Privacy,
    Upstream,
    SignatureUpstream,
    Mirror,
}
