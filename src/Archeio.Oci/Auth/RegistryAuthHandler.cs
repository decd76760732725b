using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Archeio.Oci.Errors;
using Archeio.Oci.Json;

namespace Archeio.Oci.Auth;

/// <summary>
/// Registry auth as a handler: anonymous first, then whatever the <c>WWW-Authenticate</c> challenge of a 401 asks
/// for. A Bearer challenge fetches a token from its realm for the challenge's scope (or the request's
/// <see cref="AuthScopes.Key"/>) and sends the request once more; a Basic challenge is answered with the
/// credentials once (https://distribution.github.io/distribution/spec/auth/token/). Tokens are cached per request
/// scope until shortly before they expire, so a second repository gets its own token and a repeat gets none.
/// Token requests go to the inner handler, so they are retried and rate-limited like every other request; a realm
/// that refuses throws a <see cref="RegistryException"/> at once (a refused password stays refused, and asking
/// again only risks a lockout).
/// </summary>
internal sealed class RegistryAuthHandler : DelegatingHandler
{
    /// <summary>A token that states no lifetime lives 60 s (the token spec's default).</summary>
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Tokens are renewed this long before they expire, so none runs out in flight.</summary>
    private static readonly TimeSpan TokenExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly RegistryCredentials? _credentials;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);

    /// <param name="credentials">For basic auth and token realms; null for anonymous.</param>
    /// <param name="time">Token lifetimes run on it.</param>
    public RegistryAuthHandler(RegistryCredentials? credentials, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _credentials = credentials;
        _time = time;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var scope = request.Options.TryGetValue(AuthScopes.Key, out var named) ? named : "";
        var authorization = CachedAuthorization(scope);
        request.Headers.Authorization = authorization;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || response.Headers.WwwAuthenticate.FirstOrDefault() is not { } challenge)
        {
            return response;
        }

        if (string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) && BearerChallenge.Parse(challenge.Parameter) is { } bearer)
        {
            response.Dispose();
            var token = await FetchTokenAsync(bearer with { Scope = bearer.Scope ?? NullIfEmpty(scope) }, cancellationToken).ConfigureAwait(false);
            _tokens[scope] = token;
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && _credentials is not null && authorization is null)
        {
            response.Dispose();
            request.Headers.Authorization = BasicAuthorization(_credentials);
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        => throw new NotSupportedException("registry auth is asynchronous only");

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    private AuthenticationHeaderValue? CachedAuthorization(string scope)
        => _tokens.TryGetValue(scope, out var cached) && cached.ExpiresAt > _time.GetUtcNow()
            ? new AuthenticationHeaderValue("Bearer", cached.Token)
            : null;

    private static AuthenticationHeaderValue BasicAuthorization(RegistryCredentials credentials)
        => new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Username + ":" + credentials.Password)));

    /// <summary>GET <c>realm?service=…&amp;scope=…</c>, with the basic credentials if there are any.</summary>
    private async Task<CachedToken> FetchTokenAsync(BearerChallenge challenge, CancellationToken cancellationToken)
    {
        var query = new List<string>();
        if (challenge.Service is { } service)
        {
            query.Add("service=" + Uri.EscapeDataString(service));
        }

        if (challenge.Scope is { } scope)
        {
            query.Add("scope=" + Uri.EscapeDataString(scope));
        }

        var builder = new UriBuilder(challenge.Realm);
        var existing = builder.Query.TrimStart('?');
        builder.Query = string.Join('&', existing.Length > 0 ? [existing, .. query] : query);
        using var request = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        request.Headers.Authorization = _credentials is null ? null : BasicAuthorization(_credentials);
        using var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var who = _credentials is null ? "an anonymous token" : $"a token for user {_credentials.Username}";
            throw await RegistryErrors.FromResponseAsync(response, $"the token realm refused {who} (scope {challenge.Scope})", cancellationToken).ConfigureAwait(false);
        }

        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var document = JsonSerializer.Deserialize(bytes, OciJsonContext.Default.TokenDocument);
        var token = document?.Token ?? document?.AccessToken;
        if (string.IsNullOrEmpty(token))
        {
            throw new InvalidDataException($"the token realm {challenge.Realm} answered without a token");
        }

        var lifetime = document?.ExpiresIn is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : DefaultTokenLifetime;
        var margin = lifetime > TokenExpiryMargin * 2 ? TokenExpiryMargin : TimeSpan.Zero;
        return new CachedToken(token, _time.GetUtcNow() + lifetime - margin);
    }
}
