namespace Archeio.Signing;

/// <summary>
/// Signs the URLs of one private mirror: each URL Archeio hands a client (the 307's <c>Location</c>) or fetches
/// itself (the blob check's HEAD, the probes, a proxied GET) carries a signature that expires
/// (<c>Mirrors:N:Signing:Expires</c>). Signing happens per URL, when it is handed out, never ahead with the
/// presence answer: a cached answer outlives any one signature (docs/request-handling.md "Signed mirrors").
/// </summary>
internal abstract class UrlSigner
{
    /// <summary>
    /// <paramref name="url"/> (absolute, no query) signed for a request of <paramref name="method"/> (GET or HEAD:
    /// SigV4 signs the method, so a URL signed for GET is refused for HEAD), valid from now for the mirror's Expires.
    /// </summary>
    public abstract string Sign(string url, HttpMethod method);
}
