namespace Archeio.Requests;

/// <summary>
/// A parsed request target. For API paths, <see cref="Name"/> and <see cref="Reference"/> are
/// validated and canonical (percent-decoding applied), so that a <c>Location</c> built from them
/// cannot carry anything the grammar does not allow.
/// </summary>
/// <param name="Kind">What the path denotes.</param>
/// <param name="Name">Repository name (API paths only), else empty.</param>
/// <param name="Reference">Tag or digest for manifests, digest for blobs and referrers, else empty.</param>
/// <param name="Query">The query string exactly as received, including its leading <c>?</c>, or empty.</param>
/// <param name="Error">Why an <see cref="RequestKind.Invalid"/> path is invalid.</param>
/// <param name="ErrorMessage">Human-readable detail for <see cref="Error"/>.</param>
/// <param name="ErrorStatus">The status an <see cref="RequestKind.Invalid"/> path is answered with: 404, or 400 where the spec demands it.</param>
internal sealed record RegistryRequest(
    RequestKind Kind,
    string Name,
    string Reference,
    string Query,
    OciErrorCode? Error = null,
    string? ErrorMessage = null,
    int ErrorStatus = 404)
{
    /// <summary>The endpoint segment(s) of an API path: <c>manifests</c>, <c>blobs</c>, <c>tags/list</c> or <c>referrers</c>.</summary>
    public string Endpoint => Kind switch
    {
        RequestKind.Manifest => "manifests",
        RequestKind.Blob => "blobs",
        RequestKind.TagsList => "tags/list",
        RequestKind.Referrers => "referrers",
        _ => string.Empty,
    };

    /// <summary>The path after <c>/v2/&lt;name&gt;/</c>, canonical: e.g. <c>manifests/latest</c>.</summary>
    public string Rest => Kind == RequestKind.TagsList ? "tags/list" : Endpoint + "/" + Reference;

    /// <summary>
    /// A blob, or a manifest by digest (a reference with <c>:</c>): content the client verifies against the digest it
    /// asked for, so a mirror may serve it (distribution-spec, "Pulling manifests" and "Pulling blobs").
    /// </summary>
    public bool IsContentAddressed => Kind == RequestKind.Blob || (Kind == RequestKind.Manifest && Reference.Contains(':'));

    /// <summary>True for cosign signature and attestation tags (<c>sha256-&lt;hex&gt;.sig|.att</c>).</summary>
    public bool IsCosignTag => Kind == RequestKind.Manifest && OciGrammar.IsCosignTag(Reference);

    /// <summary>The target of a request whose method was refused before its target was read.</summary>
    public static readonly RegistryRequest NotRead = new(RequestKind.NotRead, string.Empty, string.Empty, string.Empty);

    public static RegistryRequest Invalid(OciErrorCode code, string message, string query, int status = 404)
        => new(RequestKind.Invalid, string.Empty, string.Empty, query, code, message, status);

    public static RegistryRequest Simple(RequestKind kind, string query)
        => new(kind, string.Empty, string.Empty, query);
}
