using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>
/// The whole request-handling policy of docs/request-handling.md as a pure function: no I/O, no clock,
/// no state. Blob requests take two calls: the first names the mirrors to check
/// (<see cref="DecisionKind.CheckMirrors"/>); the caller checks them and calls again with the outcome.
/// </summary>
internal sealed class Router(ArcheioSettings settings)
{
    private readonly string _infoHost = new Uri(settings.InfoUrl).Authority;
    private readonly string _privacyHost = new Uri(settings.PrivacyUrl).Authority;

    public RouteDecision Decide(in RequestFacts request, in ClientFacts client, MirrorState mirrors)
    {
        // Only what a pull needs; this service never accepts mutation. Methods are case-sensitive
        // (RFC 9110 §9.1): "get" is not GET.
        if (request.Method is not ("GET" or "HEAD"))
        {
            return RouteDecision.MethodNotAllowed;
        }

        var target = request.Target;
        switch (target.Kind)
        {
            case RequestKind.Root:
                return RouteDecision.Redirect(RouteTarget.Info, settings.InfoUrl, _infoHost);
            case RequestKind.Privacy:
                return RouteDecision.Redirect(RouteTarget.Privacy, settings.PrivacyUrl, _privacyHost);
            case RequestKind.OutsideApi:
                return RouteDecision.NotFound;
            case RequestKind.ApiBase:
                return RouteDecision.ApiVersion;
            case RequestKind.Catalog:
                return RouteDecision.Oci(OciErrorCode.NotFound, "_catalog is not supported");
            case RequestKind.Invalid:
                return RouteDecision.Oci(target.Error ?? OciErrorCode.NotFound, target.ErrorMessage ?? "invalid path");
            case RequestKind.Manifest when target.IsCosignTag && settings.Upstream.SignaturePrefix is { } signaturePrefix:
                return RouteDecision.Redirect(RouteTarget.SignatureUpstream, UpstreamLocation(signaturePrefix, target), settings.Upstream.SignatureHost!);
            case RequestKind.Blob:
                return DecideBlob(target, client, mirrors);
            default:
                return ToUpstream(target);
        }
    }

    private RouteDecision DecideBlob(RegistryRequest target, in ClientFacts client, MirrorState mirrors)
    {
        if (client.Address is null)
        {
            return new RouteDecision(DecisionKind.BadRequest, Message: client.AddressError ?? "client address unknown");
        }

        if (mirrors.Checked)
        {
            return mirrors.Holder is { } holder
                ? RouteDecision.Redirect(RouteTarget.Mirror, holder.UrlFor(target.Reference), holder.Host, holder)
                : ToUpstream(target);
        }

        var candidates = MatchRule(client)?.Mirrors ?? [];
        return candidates.IsEmpty ? ToUpstream(target) : new RouteDecision(DecisionKind.CheckMirrors, Candidates: candidates);
    }

    /// <summary>The first rule whose match fits the client's location, or null.</summary>
    public RuleSettings? MatchRule(in ClientFacts client)
    {
        var location = client.Location;
        foreach (var rule in settings.Rules)
        {
            if (rule.Cloud is null)
            {
                return rule;
            }

            if (location is null || !string.Equals(rule.Cloud, location.Cloud, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (rule.Regions.IsEmpty || rule.Regions.Contains(location.Region, StringComparer.OrdinalIgnoreCase))
            {
                return rule;
            }
        }

        return null;
    }

    private RouteDecision ToUpstream(RegistryRequest target)
        => RouteDecision.Redirect(RouteTarget.Upstream, UpstreamLocation(settings.Upstream.Prefix, target), settings.Upstream.Host);

    /// <summary>
    /// <c>&lt;prefix&gt;&lt;name&gt;/&lt;rest&gt;&lt;query&gt;</c>: name and rest are validated and canonical;
    /// the query is kept byte for byte (pagination <c>n</c>/<c>last</c>, <c>artifactType</c>, <c>ns</c>).
    /// </summary>
    private static string UpstreamLocation(string prefix, RegistryRequest target)
        => string.Concat(prefix, target.Name, "/", target.Rest, target.Query);
}
