namespace Archeio.Requests;

/// <summary>
/// Error codes of the OCI distribution spec used in 404 answers to invalid API paths, and in a proxy's own errors.
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
/// (<c>NOT_FOUND</c> is Distribution's code for an unknown route).
/// </summary>
internal enum OciErrorCode
{
    NameInvalid,
    DigestInvalid,
    NotFound,

    /// <summary>Distribution's code for a 503; Archeio's for an answer it could not fetch (502, 504) or had no room to (503).</summary>
    Unavailable,

    /// <summary>The spec's code for "an invalid set of parameters": a page's bad query (<c>/egress?client=</c>).</summary>
    Unsupported,

    /// <summary>The spec's code for a 429: a client over its rate limit, or every upstream of its list over its quota.</summary>
    TooManyRequests,
}

/// <summary>The codes' names on the wire, as the spec's error-codes table spells them.</summary>
internal static class OciErrorCodes
{
    public static string WireName(this OciErrorCode code) => code switch
    {
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        OciErrorCode.Unavailable => "UNAVAILABLE",
        OciErrorCode.Unsupported => "UNSUPPORTED",
        OciErrorCode.TooManyRequests => "TOOMANYREQUESTS",
        _ => "NOT_FOUND",
    };
}
