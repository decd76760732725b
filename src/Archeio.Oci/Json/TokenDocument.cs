using System.Text.Json.Serialization;

namespace Archeio.Oci.Json;

/// <summary>
/// A token realm's answer (https://distribution.github.io/distribution/spec/auth/token/#token-response-fields):
/// <c>token</c>, or the OAuth2 alias <c>access_token</c>; <c>expires_in</c> in seconds.
/// </summary>
internal sealed class TokenDocument
{
    public string? Token { get; init; }

    [JsonPropertyName("access_token")]
    public string? AccessToken { get; init; }

    [JsonPropertyName("expires_in")]
    public int? ExpiresIn { get; init; }
}
