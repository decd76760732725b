namespace Archeio.TestBed;

/// <summary>One request as a peer's access log recorded it.</summary>
/// <param name="Backend">Which peer logged it (e.g. <c>upstream</c>, <c>s3</c>, <c>static</c>).</param>
/// <param name="Method">HTTP method.</param>
/// <param name="Path">Request path without the query string.</param>
/// <param name="Status">Response status.</param>
internal sealed record AccessLogEntry(string Backend, string Method, string Path, int Status);
