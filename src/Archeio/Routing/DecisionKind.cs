namespace Archeio.Routing;

/// <summary>What the HTTP layer must do with a request.</summary>
internal enum DecisionKind
{
    /// <summary>307 to <see cref="RouteDecision.Location"/>.</summary>
    Redirect,

    /// <summary>200, empty body, <c>Docker-Distribution-Api-Version: registry/2.0</c>.</summary>
    ApiVersion,

    /// <summary>404 with a plain body (paths outside the API).</summary>
    NotFound,

    /// <summary>404 with an OCI error body.</summary>
    OciError,

    /// <summary>400: the client address could not be determined for a blob request.</summary>
    BadRequest,

    /// <summary>405 with <c>Allow: GET, HEAD</c>.</summary>
    MethodNotAllowed,

    /// <summary>The blob's candidate mirrors must be checked, then the router asked again.</summary>
    CheckMirrors,
}
