using System.Globalization;

namespace Archeio.Http;

/// <summary>
/// Conditional GETs (RFC 9110 §13.1): send back the validators of the version already held, so an unchanged
/// resource costs a 304 and not a download. Used for range sources and mirror inventories alike.
/// </summary>
internal static class ConditionalGet
{
    /// <summary>A GET of <paramref name="uri"/> with <c>If-None-Match</c> / <c>If-Modified-Since</c> for the validators given.</summary>
    public static HttpRequestMessage Create(Uri uri, string? etag, string? lastModified)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (etag is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        if (lastModified is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }

        return request;
    }

    /// <summary>The validators of <paramref name="response"/> as they are sent back: the ETag as sent, Last-Modified as an HTTP date.</summary>
    public static (string? ETag, string? LastModified) Validators(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return (response.Headers.ETag?.ToString(), response.Content.Headers.LastModified?.ToString("R", CultureInfo.InvariantCulture));
    }
}
