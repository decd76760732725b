namespace Archeio.Sources;

/// <summary>
/// The HTTP validators of the data in use, sent back as <c>If-None-Match</c> and <c>If-Modified-Since</c>
/// (RFC 9110 §13.1, https://www.rfc-editor.org/rfc/rfc9110#section-13.1) so that an unchanged resource costs a 304
/// and no download. AWS (S3 behind CloudFront), Google (gstatic), Microsoft's download centre and object stores all send both.
/// </summary>
/// <param name="ETag">The <c>ETag</c> as sent, quotes included; null if none.</param>
/// <param name="LastModified">The <c>Last-Modified</c> as sent (an HTTP date); null if none.</param>
internal sealed record HttpValidators(string? ETag, string? LastModified)
{
    public bool IsEmpty => ETag is null && LastModified is null;
}
