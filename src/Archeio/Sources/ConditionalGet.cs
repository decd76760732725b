using System.Globalization;

namespace Archeio.Sources;

/// <summary>
/// Conditional GETs (RFC 9110 §13.1, https://www.rfc-editor.org/rfc/rfc9110#section-13.1): send back the validators
/// of the version already held, so an unchanged resource costs a 304 (RFC 9110 §15.4.5) and not a download. Used by
/// <see cref="RefreshedSource{T}"/> for every URL source.
/// </summary>
internal static class ConditionalGet
{
    /// <summary>A GET of <paramref name="uri"/> with <c>If-None-Match</c> / <c>If-Modified-Since</c> for <paramref name="validators"/>.</summary>
    public static HttpRequestMessage Create(Uri uri, HttpValidators? validators)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (validators?.ETag is { } etag)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        if (validators?.LastModified is { } lastModified)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }

        return request;
    }

    /// <summary>
    /// The validators of <paramref name="response"/> as they are sent back: the ETag as sent (a strong or weak entity tag,
    /// RFC 9110 §8.8.3), Last-Modified as an HTTP date (RFC 9110 §8.8.2).
    /// </summary>
    public static HttpValidators Validators(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new HttpValidators(response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));
    }
}
