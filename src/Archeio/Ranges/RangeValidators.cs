namespace Archeio.Ranges;

/// <summary>
/// The HTTP validators of the range data in use, sent back as <c>If-None-Match</c> and
/// <c>If-Modified-Since</c> (RFC 9110 §13.1) so that an unchanged file costs a 304 and no download.
/// AWS (S3 behind CloudFront), Google (gstatic) and Microsoft's download centre all send both.
/// </summary>
/// <param name="ETag">The <c>ETag</c> as sent, quotes included; null if none.</param>
/// <param name="LastModified">The <c>Last-Modified</c> as sent (an HTTP date); null if none.</param>
internal sealed record RangeValidators(string? ETag, string? LastModified)
{
    public bool IsEmpty => ETag is null && LastModified is null;
}
