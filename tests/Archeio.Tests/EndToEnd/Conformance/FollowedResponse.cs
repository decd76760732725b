namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>One request as <see cref="RedirectingClient"/> sent it and the answer it ended at.</summary>
/// <param name="Method">The method asked for.</param>
/// <param name="RequestUri">The URL asked for.</param>
/// <param name="FinalMethod">The method of the last hop (the same as <paramref name="Method"/> for GET and HEAD).</param>
/// <param name="FinalUri">The URL that gave the final answer.</param>
/// <param name="Status">The final answer's status.</param>
/// <param name="Headers">The final answer's headers, response and content headers together, names case-insensitive.</param>
/// <param name="Body">The final answer's body, read whole (empty for HEAD).</param>
/// <param name="Hops">The redirects followed on the way, in order.</param>
/// <param name="BodyError">Why the final body could not be read whole (then <paramref name="Body"/> is empty), or null.</param>
internal sealed record FollowedResponse(
    HttpMethod Method,
    Uri RequestUri,
    HttpMethod FinalMethod,
    Uri FinalUri,
    int Status,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Headers,
    ReadOnlyMemory<byte> Body,
    IReadOnlyList<RedirectHop> Hops,
    string? BodyError = null)
{
    /// <summary>A header's values joined with ", " (RFC 9110 §5.3), or null when absent.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(", ", values) : null;
}

/// <summary>One redirect followed: the request that got it and where it pointed (resolved to an absolute URL).</summary>
internal sealed record RedirectHop(HttpMethod Method, Uri Uri, int Status, Uri Location);
