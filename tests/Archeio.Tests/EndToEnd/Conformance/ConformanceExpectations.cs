namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>An outcome through Archeio that differs from the registry's, and why that is right or inherent.</summary>
internal sealed record DocumentedDifference(OutcomeKind Archeio, string Why);

/// <summary>
/// Every outcome that is not a pass, with its reason: the lists the tests hold the results to. A check not listed
/// must pass against both targets. An entry whose outcome no longer happens fails its test too, so the lists stay
/// true (update them when the bed's registry or Archeio changes).
/// </summary>
internal static class ConformanceExpectations
{
    /// <summary>
    /// Where Distribution 2.8 (Debian's docker-registry 2.8.2, the bed's registry) departs from the spec itself. These
    /// fail through Archeio as well, which redirects to it and cannot do better.
    /// </summary>
    public static IReadOnlyDictionary<string, string> RegistryDeviations { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["digest-invalid-manifest"] = "Distribution 2.8 looks manifests/sha256:xyz up as a tag and answers 500 UNKNOWN (its storage path error) for GET and HEAD",
        ["blob-range-unsatisfiable"] = "Distribution 2.8 answers 416 with Content-Length of the whole blob but sends only the 33 bytes "
            + "of 'invalid range: failed to overlap' and closes the connection: an incomplete message (RFC 9112 §6.3); its Content-Range is right. "
            + "Through Archeio the blobs the mirror holds pass (nginx); those falling back to the upstream fail the same way",
        ["tags-list-order"] = "Distribution 2.8 lists tags in its storage directory's order (readdir), unsorted",
        ["tags-list-n"] = "Distribution 2.8 does not paginate tags: it ignores n and answers every tag, without a Link header",
        ["tags-list-n-zero"] = "Distribution 2.8 ignores n=0 and answers every tag",
        ["tags-list-last"] = "Distribution 2.8 ignores last (and n) and answers every tag",
    };

    /// <summary>Checks that do not apply to the bed's registry, and so to neither target.</summary>
    public static IReadOnlyDictionary<string, string> ExpectedSkips { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["referrers"] = "Distribution 2.8 has no referrers API: 404",
        ["referrers-invalid-digest"] = "Distribution 2.8 has no referrers API: 404",
    };

    /// <summary>Where the outcome through Archeio differs from the registry's: the only differences the comparison accepts.</summary>
    public static IReadOnlyDictionary<string, DocumentedDifference> Differences { get; } = new Dictionary<string, DocumentedDifference>(StringComparer.Ordinal)
    {
        ["digest-invalid-manifest"] = new(
            OutcomeKind.Pass,
            "Archeio checks the digest grammar itself and answers 404 DIGEST_INVALID without redirecting (docs/request-handling.md, step 6), "
            + "so the upstream's 500 is never reached"),
        ["tags-list-name"] = new(
            OutcomeKind.Fail,
            "inherent to a redirector that maps names: the body comes from the upstream, which names its own repository "
            + "(`Upstream:Path`/`<name>`, here project/conformance/single); Archeio never sees the body. Without Upstream:Path the names agree"),
        ["blob-docker-content-digest"] = new(
            OutcomeKind.Fail,
            "inherent to object-storage mirrors: a blob the mirror holds comes from the store (nginx here; S3, GCS, a CDN in production), "
            + "which sends no Docker-Content-Digest (S3 and GCS cannot send arbitrary headers). A SHOULD in v1.1.1, a MUST on main; "
            + "blobs that fall back to the upstream carry it"),
        ["blob-not-in-repository"] = new(
            OutcomeKind.Fail,
            "a mirror shared by every repository (BlobUrl without {name}, the registry.k8s.io layout) holds blobs by digest only: "
            + "Archeio redirects a blob request of any repository, existing or not, to the mirror when it holds the digest, "
            + "and the mirror answers 200. Blobs the mirror lacks fall back to the upstream, which answers 404 as Distribution does. "
            + "A mirror laid out per repository ({name} in BlobUrl) keeps the scoping"),
    };

    /// <summary>The outcome a check must have against the registry.</summary>
    public static OutcomeKind Registry(string check)
        => RegistryDeviations.ContainsKey(check) ? OutcomeKind.Fail
            : ExpectedSkips.ContainsKey(check) ? OutcomeKind.Skip
            : OutcomeKind.Pass;

    /// <summary>The outcome a check must have through Archeio: the registry's, unless documented otherwise.</summary>
    public static OutcomeKind Archeio(string check)
        => Differences.TryGetValue(check, out var difference) ? difference.Archeio : Registry(check);

    public static OutcomeKind For(string check, string target)
        => target == ConformanceTarget.ArcheioId ? Archeio(check) : Registry(check);

    /// <summary>Why a check is expected not to pass on a target (for failure messages and the table's notes), or null.</summary>
    public static string? Why(string check, string target)
    {
        if (target == ConformanceTarget.ArcheioId && Differences.TryGetValue(check, out var difference))
        {
            return difference.Why;
        }

        return RegistryDeviations.TryGetValue(check, out var deviation) ? deviation
            : ExpectedSkips.TryGetValue(check, out var skip) ? skip
            : null;
    }
}
