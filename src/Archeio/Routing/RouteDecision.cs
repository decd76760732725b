using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Requests;

namespace Archeio.Routing;

/// <summary>The router's answer for one request; the HTTP layer only translates it.</summary>
/// <param name="Kind">What to answer.</param>
/// <param name="Target">Which target a redirect goes to.</param>
/// <param name="Location">The absolute redirect URL, for <see cref="DecisionKind.Redirect"/>.</param>
/// <param name="Mirror">The chosen mirror, when <see cref="Target"/> is <see cref="RouteTarget.Mirror"/>.</param>
/// <param name="Error">The OCI error code, for <see cref="DecisionKind.OciError"/>.</param>
/// <param name="Message">Detail for error answers.</param>
/// <param name="TargetHost">Authority of <see cref="Location"/>, for logs.</param>
/// <param name="Candidates">Mirrors to check in order, for <see cref="DecisionKind.CheckMirrors"/>.</param>
internal sealed record RouteDecision(
    DecisionKind Kind,
    RouteTarget Target = RouteTarget.None,
    string? Location = null,
    MirrorSettings? Mirror = null,
    OciErrorCode? Error = null,
    string? Message = null,
    string? TargetHost = null,
    ImmutableArray<MirrorSettings> Candidates = default)
{
    /// <summary>The rule that fitted the client, for blob decisions (explanations and the route header).</summary>
    public RuleSettings? Rule { get; init; }

    public static readonly RouteDecision ApiVersion = new(DecisionKind.ApiVersion);

    public static readonly RouteDecision MethodNotAllowed = new(DecisionKind.MethodNotAllowed, Message: "Only GET and HEAD are allowed.");

    public static readonly RouteDecision NotFound = new(DecisionKind.NotFound, Message: "404 page not found");

    public static RouteDecision Redirect(RouteTarget target, string location, string targetHost, MirrorSettings? mirror = null)
        => new(DecisionKind.Redirect, target, location, mirror, TargetHost: targetHost);

    public static RouteDecision Oci(OciErrorCode code, string message) => new(DecisionKind.OciError, Error: code, Message: message);
}
