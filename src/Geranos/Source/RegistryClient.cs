using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Geranos.Source.Json;

namespace Geranos.Source;

/// <summary>
/// Reads from a source registry with the OCI distribution API
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md): tags, manifests, blobs.
/// The registry URL is <c>http(s)://host[:port][/prefix]</c>; a prefix is a repository namespace, so
/// <c>https://r.example/library</c> and repository <c>alpine</c> read <c>/v2/library/alpine/…</c>.
/// Auth is anonymous, basic, or the bearer token flow (https://distribution.github.io/distribution/spec/auth/token/),
/// with tokens cached per scope until they expire. 429, 5xx and connection errors are retried per <see cref="RetryPolicy"/>.
/// </summary>
internal sealed class RegistryClient
{
    /// <summary>A token that states no lifetime lives 60 s (the token spec's default).</summary>
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    /// <summary>Tokens are renewed this long before they expire, so none runs out in flight.</summary>
    private static readonly TimeSpan TokenExpiryMargin = TimeSpan.FromSeconds(10);

    private readonly HttpClient _http;
    private readonly Uri _origin;
    private readonly string _prefix;
    private readonly RegistryCredentials? _credentials;
    private readonly RetryPolicy _retry;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<string, CachedToken> _tokens = new(StringComparer.Ordinal);
    private int _requestCount;

    public RegistryClient(Uri registry, HttpClient http, RegistryCredentials? credentials = null, RetryPolicy? retry = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(http);
        if (!registry.IsAbsoluteUri || (registry.Scheme != Uri.UriSchemeHttp && registry.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("an http(s) registry URL", nameof(registry));
        }

        _http = http;
        _origin = new Uri(registry.GetLeftPart(UriPartial.Authority) + "/");
        _prefix = registry.AbsolutePath.Trim('/');
        _credentials = credentials;
        _retry = retry ?? RetryPolicy.Default;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>How many HTTP requests went out, retries and token fetches included (for tests and progress).</summary>
    public int RequestCount => _requestCount;

    /// <summary>
    /// Every tag of <paramref name="repository"/>, each once, following <c>Link: &lt;…&gt;; rel="next"</c> pages
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags).
    /// </summary>
    /// <param name="repository">The repository below the registry URL's prefix.</param>
    /// <param name="pageSize">The <c>n</c> to ask for; null lets the registry choose.</param>
    /// <param name="cancellationToken">Stops paging.</param>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, int? pageSize = null, CancellationToken cancellationToken = default)
    {
        var name = FullName(repository);
        var query = pageSize is { } n ? "?n=" + n.ToString(CultureInfo.InvariantCulture) : "";
        Uri? next = new(_origin, $"v2/{name}/tags/list{query}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tags = new List<string>();
        var visited = new HashSet<Uri>();
        while (next is not null && visited.Add(next))
        {
            using var response = await SendAsync(name, next, null, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            var page = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.TagListDocument);
            foreach (var tag in page?.Tags ?? [])
            {
                if (seen.Add(tag))
                {
                    tags.Add(tag);
                }
            }

            next = NextPage(response, next);
        }

        return tags;
    }

    /// <summary>
    /// The manifest <paramref name="reference"/> (tag or digest) names, in its own media type: the Accept header lists
    /// every type Geranos understands, so the registry has no reason to convert it
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
    /// </summary>
    public async Task<FetchedManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var name = FullName(repository);
        var uri = new Uri(_origin, $"v2/{name}/manifests/{reference}");
        using var response = await SendAsync(name, uri, ManifestMediaTypes.All, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (string.IsNullOrEmpty(mediaType) || mediaType is "application/json" or "text/plain")
        {
            mediaType = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.ManifestDocument)?.MediaType ?? mediaType ?? "application/json";
        }

        var computed = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
        var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() ?? computed : computed;

        // A digest reference must name exactly these bytes. Schema 1 is exempt: its digest is over the payload
        // without the JWS signatures (https://distribution.github.io/distribution/spec/manifest-v2-1/#signed-manifests).
        if (reference.StartsWith("sha256:", StringComparison.Ordinal) && !ManifestMediaTypes.IsSchema1(mediaType) && computed != reference)
        {
            throw new InvalidDataException($"{name}@{reference}: the registry sent a manifest whose sha256 is {computed}");
        }

        return new FetchedManifest(mediaType, digest, bytes);
    }

    /// <summary>
    /// A stream of blob <paramref name="digest"/>, following the redirects registries answer with for blob storage
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-blobs). The caller verifies
    /// the digest as it reads and disposes the stream.
    /// </summary>
    public async Task<Stream> OpenBlobAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        var name = FullName(repository);
        var uri = new Uri(_origin, $"v2/{name}/blobs/{digest}");
        var response = await SendAsync(name, uri, null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(stream, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    private string FullName(string repository)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        var trimmed = repository.Trim('/');
        return _prefix.Length == 0 ? trimmed : _prefix + "/" + trimmed;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        body = body.Length > 500 ? body[..500] : body;
        throw new HttpRequestException(
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {response.ReasonPhrase} {body}",
            null,
            response.StatusCode);
    }

    /// <summary>The <c>rel="next"</c> target of a <c>Link</c> header (RFC 8288), resolved against the current page.</summary>
    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }

        foreach (var header in links)
        {
            foreach (var link in header.Split(','))
            {
                var open = link.IndexOf('<', StringComparison.Ordinal);
                var close = link.IndexOf('>', StringComparison.Ordinal);
                if (open < 0 || close < open)
                {
                    continue;
                }

                var parameters = link[(close + 1)..];
                if (parameters.Contains("rel=\"next\"", StringComparison.OrdinalIgnoreCase) || parameters.Contains("rel=next", StringComparison.OrdinalIgnoreCase))
                {
                    return new Uri(current, link[(open + 1)..close].Trim());
                }
            }
        }

        return null;
    }

    /// <summary>
    /// GET with auth and retries. A 401 with a Bearer challenge fetches a token for the challenge's scope (or
    /// <c>repository:&lt;name&gt;:pull</c>) and tries once more; a 401 asking for Basic is answered with the credentials.
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(string name, Uri uri, IReadOnlyList<string>? accept, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        var scope = $"repository:{name}:pull";
        var authorization = CachedAuthorization(scope);
        var response = await SendWithRetriesAsync(uri, accept, authorization, completion, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        var challenge = response.Headers.WwwAuthenticate.FirstOrDefault();
        if (challenge is null)
        {
            return response;
        }

        if (string.Equals(challenge.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) && BearerChallenge.Parse(challenge.Parameter) is { } bearer)
        {
            response.Dispose();
            var tokenScope = bearer.Scope ?? scope;
            var token = await FetchTokenAsync(bearer with { Scope = tokenScope }, cancellationToken).ConfigureAwait(false);
            _tokens[scope] = token;
            return await SendWithRetriesAsync(uri, accept, new AuthenticationHeaderValue("Bearer", token.Token), completion, cancellationToken).ConfigureAwait(false);
        }

        if (string.Equals(challenge.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) && _credentials is not null && authorization is null)
        {
            response.Dispose();
            return await SendWithRetriesAsync(uri, accept, BasicAuthorization(_credentials), completion, cancellationToken).ConfigureAwait(false);
        }

        return response;
    }

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
        var authorization = _credentials is null ? null : BasicAuthorization(_credentials);
        using var response = await SendWithRetriesAsync(builder.Uri, null, authorization, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var document = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.TokenDocument);
        var token = document?.Token ?? document?.AccessToken;
        if (string.IsNullOrEmpty(token))
        {
            throw new InvalidDataException($"the token realm {challenge.Realm} answered without a token");
        }

        var lifetime = document?.ExpiresIn is > 0 and var seconds ? TimeSpan.FromSeconds(seconds) : DefaultTokenLifetime;
        var margin = lifetime > TokenExpiryMargin * 2 ? TokenExpiryMargin : TimeSpan.Zero;
        return new CachedToken(token, _time.GetUtcNow() + lifetime - margin);
    }

    /// <summary>
    /// One GET, repeated on 429, 5xx and connection errors with exponential backoff and jitter, or after the
    /// <c>Retry-After</c> the registry asked for (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes
    /// lists TOOMANYREQUESTS). Delays run on the injected <see cref="TimeProvider"/>.
    /// </summary>
    private async Task<HttpResponseMessage> SendWithRetriesAsync(Uri uri, IReadOnlyList<string>? accept, AuthenticationHeaderValue? authorization, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri);
            request.Headers.Authorization = authorization;
            foreach (var type in accept ?? [])
            {
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
            }

            TimeSpan delay;
            Interlocked.Increment(ref _requestCount);
            try
            {
                var response = await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
                if (!IsTransient(response.StatusCode) || attempt >= _retry.MaxAttempts)
                {
                    return response;
                }

                delay = RetryAfter(response) ?? Backoff(attempt);
                response.Dispose();
            }
            catch (HttpRequestException) when (attempt < _retry.MaxAttempts && !cancellationToken.IsCancellationRequested)
            {
                delay = Backoff(attempt);
            }

            await Task.Delay(delay < _retry.MaxDelay ? delay : _retry.MaxDelay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsTransient(HttpStatusCode status) => status == HttpStatusCode.TooManyRequests || (int)status >= 500;

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return retryAfter?.Date is { } date ? (date > _time.GetUtcNow() ? date - _time.GetUtcNow() : TimeSpan.Zero) : null;
    }

    /// <summary>BaseDelay · 2^(attempt−1), times a random factor in [0.5, 1): "equal jitter".</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponential = _retry.BaseDelay * Math.Pow(2, Math.Min(attempt - 1, 20));
        var capped = exponential < _retry.MaxDelay ? exponential : _retry.MaxDelay;
        return capped * (0.5 + (RandomNumberGenerator.GetInt32(1000) / 2000.0));
    }
}
