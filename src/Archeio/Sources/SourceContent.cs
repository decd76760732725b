namespace Archeio.Sources;

/// <summary>What a <see cref="SourceParser{T}"/> is given: a new version of a source, to read once.</summary>
/// <param name="Body">The bytes: a response body, or the file (seekable, positioned at its start).</param>
/// <param name="Length">The length announced (Content-Length, or the file's length when stamped), null if unknown.</param>
/// <param name="Validators">A URL's validators for this version (possibly empty); null for a file.</param>
/// <param name="DataTime">When the data was published: Last-Modified (or the fetch time when absent) for a URL, the write time for a file.</param>
internal sealed record SourceContent(Stream Body, long? Length, HttpValidators? Validators, DateTimeOffset DataTime)
{
    public bool IsUrl => Validators is not null;
}
