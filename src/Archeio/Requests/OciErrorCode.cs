namespace Archeio.Requests;

/// <summary>
/// Error codes of the OCI distribution spec used in 404 answers to invalid API paths.
/// See https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
/// (<c>NOT_FOUND</c> is Distribution's code for an unknown route).
/// </summary>
internal enum OciErrorCode
{
    NameInvalid,
    DigestInvalid,
    NotFound,
}

/// <summary>The codes' names on the wire, as the spec's error-codes table spells them.</summary>
internal static class OciErrorCodes
{
    public static string WireName(this OciErrorCode code) => code switch
    {
        OciErrorCode.NameInvalid => "NAME_INVALID",
        OciErrorCode.DigestInvalid => "DIGEST_INVALID",
        _ => "NOT_FOUND",
    };
}
