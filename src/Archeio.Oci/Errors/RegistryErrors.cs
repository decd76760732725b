using System.Text.Json;
using Archeio.Oci.Json;

namespace Archeio.Oci.Errors;

/// <summary>Turns an error response of a registry or token realm into a <see cref="RegistryException"/>.</summary>
internal static class RegistryErrors
{
    /// <summary>How much of a body that is not an OCI error document goes into the message.</summary>
    private const int MaxBodyInMessage = 500;

    /// <summary>
    /// The exception for an error response: method, URL, status, the OCI error code and message when the body has
    /// them (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes; else the body's
    /// first 500 characters), after <paramref name="context"/> when given.
    /// </summary>
    public static async Task<RegistryException> FromResponseAsync(HttpResponseMessage response, string? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        ErrorDocument? first = null;
        try
        {
            first = body.Length > 0 && JsonSerializer.Deserialize(body, OciJsonContext.Default.ErrorsDocument)?.Errors is { Count: > 0 } errors ? errors[0] : null;
        }
        catch (JsonException)
        {
        }

        var detail = first?.Code is { } code ? $"{code}: {first.Message}" : body.Length > MaxBodyInMessage ? body[..MaxBodyInMessage] : body;
        var request = $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}";
        var message = $"{(context is null ? "" : context + ": ")}{request}: {(int)response.StatusCode} {response.ReasonPhrase} {detail}".TrimEnd();
        return new RegistryException(message, response.StatusCode, first?.Code);
    }
}
