namespace Archeio.Routing;

/// <summary>Where a request was sent, for logs and metrics.</summary>
internal enum RouteTarget
{
    None,
    Info,
    Privacy,
    Upstream,
    SignatureUpstream,
    Mirror,
}
