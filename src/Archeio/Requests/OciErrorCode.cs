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
