using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Archeio.Oci.Auth;
using Archeio.Oci.Digests;
using Archeio.Oci.Errors;
using Archeio.Oci.MediaTypes;
using Geranos.Source.Http;
using Geranos.Source.Json;

namespace Geranos.Source;

/// <summary>
/// Reads from a source registry with the OCI distribution API
/// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md): catalog, tags, manifests, referrers, blobs.
/// The registry URL is <c>http(s)://host[:port][/prefix]</c>; a prefix is a repository namespace, so
/// <c>https://r.example/library</c> and repository <c>alpine</c> read <c>/v2/library/alpine/…</c>.
/// Only the protocol's requests are here: auth and retries are the <see cref="RegistryPipeline"/>'s handlers, which
/// this class feeds with each request's bearer scope (<see cref="AuthScopes"/>). Error statuses surface as
/// <see cref="RegistryException"/>.
/// </summary>
internal sealed class RegistryClient
{
    private readonly HttpClient _http;
    private readonly RegistryPipeline _pipeline;
    private readonly Uri _origin;
    private readonly string _prefix;
    private readonly TimeSpan? _bodyTimeout;

    /// <param name="registry">The registry URL, <c>http(s)://host[:port][/prefix]</c>.</param>
    /// <param name="pipeline">Sends every request, with auth and retries.</param>
    /// <param name="bodyTimeout">
    /// How long reads of a blob body may wait in all for every <see cref="ResponseStream.MinProgressBytes"/> before the
    /// stream fails with a <see cref="TimeoutException"/> (<c>--source-timeout</c>): a stall or a drip is abandoned.
    /// Null waits forever.
    /// </param>
    public RegistryClient(Uri registry, RegistryPipeline pipeline, TimeSpan? bodyTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(pipeline);
        if (!registry.IsAbsoluteUri || (registry.Scheme != Uri.UriSchemeHttp && registry.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException("an http(s) registry URL", nameof(registry));
        }

        _pipeline = pipeline;
        _http = pipeline.Http;
        _origin = new Uri(registry.GetLeftPart(UriPartial.Authority) + "/");
        _prefix = registry.AbsolutePath.Trim('/');
        if (bodyTimeout is { } timeout)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero, nameof(bodyTimeout));
        }

        _bodyTimeout = bodyTimeout;
    }

    /// <summary>How many HTTP requests went out, retries and token fetches included (for tests and progress).</summary>
    public int RequestCount => _pipeline.RequestCount;

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
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var tags = new List<string>();
        await ReadPagesAsync(AuthScopes.Pull(name), new Uri(_origin, $"v2/{name}/tags/list{PageQuery(pageSize)}"), null, static _ => false, bytes =>
        {
            foreach (var tag in JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.TagListDocument)?.Tags ?? [])
            {
                if (seen.Add(tag))
                {
                    tags.Add(tag);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return tags;
    }

    /// <summary>
    /// Every repository below the registry URL's prefix, with the prefix stripped (registry <c>http://r/project</c>
    /// and catalog entry <c>project/app</c> give <c>app</c>), each once, from <c>GET /v2/_catalog</c> and its
    /// <c>Link</c> pages (https://distribution.github.io/distribution/spec/api/#catalog). The catalog is optional and
    /// many registries do not offer it (Docker Hub, GHCR, ECR without the right policy), so null rather than an
    /// exception when the first page answers 404, 405, 401 or 403 after authenticating, or an <c>UNSUPPORTED</c>
    /// error: the caller then asks for repositories by name. The bearer scope is <c>registry:catalog:*</c>.
    /// </summary>
    /// <param name="pageSize">The <c>n</c> to ask for; null lets the registry choose.</param>
    /// <param name="cancellationToken">Stops paging.</param>
    public async Task<IReadOnlyList<string>?> ListRepositoriesAsync(int? pageSize = null, CancellationToken cancellationToken = default)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var repositories = new List<string>();
        var offered = await ReadPagesAsync(AuthScopes.Catalog, new Uri(_origin, "v2/_catalog" + PageQuery(pageSize)), null, IsCatalogUnsupported, bytes =>
        {
            foreach (var entry in JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.CatalogDocument)?.Repositories ?? [])
            {
                if (StripPrefix(entry) is { } repository && seen.Add(repository))
                {
                    repositories.Add(repository);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return offered ? repositories : null;
    }

    /// <summary>
    /// The manifest <paramref name="reference"/> (tag or digest) names, in its own media type: the Accept header lists
    /// every type Geranos understands, so the registry has no reason to convert it
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests).
    /// </summary>
    public async Task<FetchedManifest> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var name = FullName(repository);
        RequireValidDigestReference(name, reference);
        var uri = new Uri(_origin, $"v2/{name}/manifests/{reference}");
        using var response = await SendAsync(HttpMethod.Get, AuthScopes.Pull(name), uri, ManifestMediaTypes.All, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (string.IsNullOrEmpty(mediaType) || mediaType is "application/json" or "text/plain")
        {
            mediaType = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.ManifestDocument)?.MediaType ?? mediaType ?? "application/json";
        }

        var header = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
        var digest = string.IsNullOrEmpty(header) ? Digest.Sha256(bytes) : header;

        // The digest becomes a key (geranos/manifests/<digest>), so it must be a digest, whatever the registry says.
        if (!Digest.IsVerifiable(digest))
        {
            throw new InvalidDataException($"{name}:{reference}: the registry sent Docker-Content-Digest {Printable(digest)}, not a sha256 or sha512 digest");
        }

        // The manifest must be the one its digest names: the reference when that is a digest, else the registry's
        // header. Schema 1 is exempt: its digest is over the payload without the JWS signatures
        // (https://distribution.github.io/distribution/spec/manifest-v2-1/#signed-manifests).
        if (!ManifestMediaTypes.IsSchema1(mediaType))
        {
            foreach (var expected in new[] { reference, digest }.Where(IsDigestReference).Distinct(StringComparer.Ordinal))
            {
                var computed = Digest.Of(expected, bytes);
                if (computed != expected)
                {
                    throw new InvalidDataException($"{name}@{expected}: the registry sent a manifest whose digest is {computed}");
                }
            }
        }

        return new FetchedManifest(mediaType, digest, bytes);
    }

    /// <summary>
    /// The digest <paramref name="reference"/> names now, from <c>HEAD /v2/&lt;name&gt;/manifests/&lt;reference&gt;</c>
    /// and its <c>Docker-Content-Digest</c> header, with the same Accept list as <see cref="GetManifestAsync"/> so that
    /// the digest is the one a GET would serve (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#checking-if-content-exists-in-the-registry).
    /// A HEAD costs no manifest bytes and, on Docker Hub, no pull quota: it tells a mirror whether a tag moved.
    /// </summary>
    /// <returns>The digest; null when the registry answered without the header (the header is a SHOULD), so the caller GETs.</returns>
    /// <exception cref="RegistryException">404 (no body on a HEAD, so no error code) and every other error status.</exception>
    public async Task<string?> ResolveAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        var name = FullName(repository);
        RequireValidDigestReference(name, reference);
        var uri = new Uri(_origin, $"v2/{name}/manifests/{reference}");
        using var response = await SendAsync(HttpMethod.Head, AuthScopes.Pull(name), uri, ManifestMediaTypes.All, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        if (!response.Headers.TryGetValues("Docker-Content-Digest", out var values) || values.FirstOrDefault() is not { Length: > 0 } digest)
        {
            return null;
        }

        return Digest.IsVerifiable(digest)
            ? digest
            : throw new InvalidDataException($"{name}:{reference}: the registry sent Docker-Content-Digest {Printable(digest)}, not a sha256 or sha512 digest");
    }

    /// <summary>
    /// The manifest digests of every referrer of <paramref name="digest"/> (signatures, SBOMs, attestations whose
    /// <c>subject</c> is it), from <c>GET /v2/&lt;name&gt;/referrers/&lt;digest&gt;</c> and its <c>Link</c> pages
    /// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-referrers): an image index whose
    /// <c>manifests</c> are the referrers. A registry that offers the API answers 200 even when there are none, and
    /// one that does not answers 404 (Distribution 2.8 does): null then, and the caller falls back to the
    /// <c>sha256-&lt;hex&gt;</c> tag schema or goes without.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ListReferrersAsync(string repository, string digest, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(digest);
        var name = FullName(repository);
        RequireValidDigestReference(name, digest);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var referrers = new List<string>();
        var offered = await ReadPagesAsync(AuthScopes.Pull(name), new Uri(_origin, $"v2/{name}/referrers/{digest}"), [ManifestMediaTypes.OciIndex], static error => error.StatusCode == HttpStatusCode.NotFound, bytes =>
        {
            var index = JsonSerializer.Deserialize(bytes, SourceJsonContext.Default.ManifestDocument);
            foreach (var descriptor in index?.Manifests ?? [])
            {
                var referrer = descriptor.Digest ?? throw new InvalidDataException($"{name}: a referrers index entry without a digest");
                if (!Digest.IsVerifiable(referrer))
                {
                    throw new InvalidDataException($"{name}@{digest}: a referrer {Printable(referrer)} is not a sha256 or sha512 digest");
                }
                if (seen.Add(referrer))
                {
                    referrers.Add(referrer);
                }
            }
        }, cancellationToken).ConfigureAwait(false);
        return offered ? referrers : null;
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
        var response = await SendAsync(HttpMethod.Get, AuthScopes.Pull(name), uri, null, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new ResponseStream(stream, response, _bodyTimeout, _pipeline.Time);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A reference with a colon is a digest (tags cannot hold one: https://github.com/opencontainers/distribution-spec/blob/main/spec.md#pulling-manifests);
    /// one that is not a valid digest is refused before it is put in a URL or anywhere else.
    /// </summary>
    private static void RequireValidDigestReference(string name, string reference)
    {
        if (IsDigestReference(reference) && !Digest.IsVerifiable(reference))
        {
            throw new InvalidDataException($"{name}@{Printable(reference)}: not a sha256 or sha512 digest");
        }
    }

    private static bool IsDigestReference(string reference) => reference.Contains(':', StringComparison.Ordinal);

    /// <summary>An untrusted value for a message: at most 100 characters, control characters escaped.</summary>
    private static string Printable(string value)
    {
        var cut = value.Length > 100 ? value[..100] + "…" : value;
        return string.Concat(cut.Select(c => char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c.ToString()));
    }

    private string FullName(string repository)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(repository);
        var trimmed = repository.Trim('/');
        return _prefix.Length == 0 ? trimmed : _prefix + "/" + trimmed;
    }

    /// <summary>A catalog entry below the prefix, without it; null for entries elsewhere (and for the prefix itself).</summary>
    private string? StripPrefix(string entry)
    {
        if (_prefix.Length == 0)
        {
            return entry;
        }

        return entry.Length > _prefix.Length + 1 && entry.StartsWith(_prefix, StringComparison.Ordinal) && entry[_prefix.Length] == '/'
            ? entry[(_prefix.Length + 1)..]
            : null;
    }

    private static string PageQuery(int? pageSize)
        => pageSize is { } n ? "?n=" + n.ToString(CultureInfo.InvariantCulture) : "";

    /// <summary>
    /// How registries say "no catalog here": 404 (no such route), 405, 401/403 even with a token (the catalog needs
    /// a grant most users lack), or the <c>UNSUPPORTED</c> error code.
    /// </summary>
    private static bool IsCatalogUnsupported(RegistryException error)
        => error.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            || error.ErrorCode == "UNSUPPORTED";

    /// <summary>
    /// GETs <paramref name="first"/> and every <c>Link: &lt;…&gt;; rel="next"</c> page after it (each page once, so a
    /// registry that links in a circle ends), handing each body to <paramref name="page"/>. Returns false when the
    /// first page fails in a way <paramref name="unsupported"/> accepts as "this API is not offered"; a later page
    /// failing, or any other error, throws.
    /// </summary>
    private async Task<bool> ReadPagesAsync(
        string scope,
        Uri first,
        IReadOnlyList<string>? accept,
        Func<RegistryException, bool> unsupported,
        Action<byte[]> page,
        CancellationToken cancellationToken)
    {
        Uri? next = first;
        var visited = new HashSet<Uri>();
        while (next is not null && visited.Add(next))
        {
            using var response = await SendAsync(HttpMethod.Get, scope, next, accept, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var error = await RegistryErrors.FromResponseAsync(response, null, cancellationToken).ConfigureAwait(false);
                if (visited.Count == 1 && unsupported(error))
                {
                    return false;
                }

                throw error;
            }

            page(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            next = NextPage(response, next);
        }

        return true;
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await RegistryErrors.FromResponseAsync(response, null, cancellationToken).ConfigureAwait(false);
        }
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
    /// One request through the pipeline: <paramref name="scope"/> names the bearer scope its token is for, and a
    /// body read whole is buffered within the attempt (see <see cref="AttemptHandler"/>).
    /// </summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string scope, Uri uri, IReadOnlyList<string>? accept, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Options.Set(AuthScopes.Key, scope);
        request.Options.Set(AttemptHandler.Buffered, completion == HttpCompletionOption.ResponseContentRead);
        foreach (var type in accept ?? [])
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }

        return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
    }
}
