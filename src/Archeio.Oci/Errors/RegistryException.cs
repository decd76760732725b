using System.Net;

namespace Archeio.Oci.Errors;

/// <summary>
/// A registry (or its token realm) answered with an error status. Carries the status and the first OCI error
/// code of the body (<c>{"errors":[{"code":"MANIFEST_UNKNOWN",…}]}</c>,
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes), so callers can tell
/// "not there" from "not allowed" without parsing messages. It is an <see cref="HttpRequestException"/> so that
/// code catching those by <see cref="HttpRequestException.StatusCode"/> keeps working; connection errors stay
/// plain <see cref="HttpRequestException"/>s without a status.
/// </summary>
internal sealed class RegistryException : HttpRequestException
{
    public RegistryException(string message, HttpStatusCode statusCode, string? errorCode, Exception? innerException = null)
        : base(message, innerException, statusCode)
    {
        ErrorCode = errorCode;
    }

    /// <summary>The OCI error code of the response body (<c>UNAUTHORIZED</c>, <c>NAME_UNKNOWN</c>, …); null when the body had none (HEAD, a proxy's page).</summary>
    public string? ErrorCode { get; }
}
