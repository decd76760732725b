namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The sections of the OCI distribution spec that the checks implement, by their headings in the latest release,
/// v1.1.1 (github.com/opencontainers/distribution-spec, spec.md at tag v1.1.1, commit a139cc4, January 2025).
/// Requirement levels are that release's. Where main has changed since, the check says so: main makes
/// <c>Docker-Content-Digest</c> a MUST on manifest and blob GET and HEAD answers, and <c>Content-Length</c> a MUST on
/// HEAD (commit c2519f1; v1.1.1's "Legacy Docker support HTTP headers" still calls <c>Docker-Content-Digest</c>
/// OPTIONAL), and permits redirects on any request, statuses counting after them (commit dbaac7b, the rules
/// <see cref="RedirectingClient"/> follows).
/// </summary>
internal static class SpecSections
{
    public const string Version = "OCI distribution-spec v1.1.1 (a139cc4)";

    /// <summary>"If the response is <c>200 OK</c>, then the registry implements this specification."</summary>
    public const string DeterminingSupport = "Determining Support";

    public const string PullingManifests = "Pulling manifests";

    public const string PullingBlobs = "Pulling blobs";

    /// <summary>
    /// "A registry SHOULD support the <c>Range</c> request header in accordance with RFC 9110", one sentence of
    /// "Pulling blobs". v1.1.1 has no section of its own for it; the historical detail.md (the spec's appendix apdx-1)
    /// called the request "Fetch Blob Part": 206, <c>Content-Length</c>, <c>Content-Range: bytes &lt;start&gt;-&lt;end&gt;/&lt;size&gt;</c>.
    /// </summary>
    public const string Range = "Pulling blobs: Range (RFC 9110 §14; detail.md Fetch Blob Part)";

    public const string CheckingExists = "Checking if content exists in the registry";

    public const string ListingTags = "Listing Tags";

    public const string ListingReferrers = "Listing Referrers";

    public const string ErrorCodes = "Error Codes";

    /// <summary>The endpoints table: success and failure statuses per endpoint (end-2, end-3: 200 / 404).</summary>
    public const string Endpoints = "Endpoints";

    /// <summary>The <c>code</c> values the "Error Codes" table allows ("The <c>code</c> field MUST be one of the following").</summary>
    public static readonly IReadOnlySet<string> ErrorCodeTable = new HashSet<string>(StringComparer.Ordinal)
    {
        "BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID", "MANIFEST_BLOB_UNKNOWN",
        "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED",
        "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
    };
}
