using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Archeio.Tests.Security;

/// <summary>
/// What a redirect may point at, from the configuration alone (never from the code under test): the info and
/// privacy URLs exactly; under each upstream's (and signature upstream's) <c>&lt;Endpoint&gt;/v2/&lt;Path&gt;/</c> a
/// repository name and an endpoint of the OCI spec (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints),
/// then the query; each mirror's <c>BlobUrl</c> with a digest (and a repository name for <c>{name}</c>) filled in.
/// Each is checked twice: the whole <c>Location</c> against a pattern, and the parsed URI's scheme, host, port and
/// dot-segment-normalised path against the target's, so that a path that climbs out of its prefix fails too.
/// </summary>
internal sealed class OpenRedirectOracle
{
    // The grammars of the distribution and image specs, written out here independently of Archeio's scanners.
    private const string Name = "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*";
    private const string Tag = "[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}";
    private const string Digest = "[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+";
    private const string Query = "(?:\\?[\\x21-\\x7e]*)?";

    private readonly List<(Uri Base, Regex Pattern)> _targets = [];

    public OpenRedirectOracle(JsonObject archeio)
    {
        Exact((string)archeio["InfoUrl"]!);
        Exact((string)archeio["PrivacyUrl"]!);
        Upstream(archeio["Upstream"]!.AsObject());
        foreach (var upstream in archeio["Upstreams"]?.AsArray() ?? [])
        {
            Upstream(upstream!.AsObject());
        }

        foreach (var mirror in archeio["Mirrors"]!.AsArray())
        {
            var template = (string)mirror!["BlobUrl"]!;
            var pattern = Regex.Escape(template).Replace(Regex.Escape("{digest}"), Digest, StringComparison.Ordinal).Replace(Regex.Escape("{name}"), Name, StringComparison.Ordinal);
            var placeholder = template.IndexOf('{', StringComparison.Ordinal);
            Add(template[..placeholder], pattern);
        }
    }

    /// <summary>Every configured target's prefix, for reports.</summary>
    public IEnumerable<string> Prefixes => _targets.Select(t => t.Base.OriginalString);

    /// <summary>Null when the answer is allowed, else why not. Statuses other than 2xx/3xx/4xx are never allowed.</summary>
    public string? Check(int status, string? location)
    {
        if (status is < 200 or >= 500)
        {
            return $"status {status}";
        }

        if (status is < 300 or >= 400)
        {
            return null;
        }

        if (status != 307)
        {
            return $"redirect status {status} (Archeio only ever answers 307)";
        }

        if (string.IsNullOrEmpty(location))
        {
            return "307 without a Location";
        }

        if (location.Any(c => c is <= ' ' or > '~'))
        {
            return $"Location has a control, space or non-ASCII character: {RequestGenCase.Escape(location)}";
        }

        if (!Uri.TryCreate(location, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0)
        {
            return $"Location is not an absolute http(s) URL without user info: {location}";
        }

        foreach (var (target, pattern) in _targets)
        {
            if (pattern.IsMatch(location))
            {
                // The pattern matched: the parsed URL must say the same (no parser disagreement, no climbing out).
                return uri.Scheme == target.Scheme && uri.Host == target.Host && uri.Port == target.Port
                    && uri.AbsolutePath.StartsWith(target.AbsolutePath, StringComparison.Ordinal)
                    ? null
                    : $"Location {location} matches {target} textually but parses to {uri.Scheme}://{uri.Host}:{uri.Port}{uri.AbsolutePath}";
            }
        }

        return $"Location {location} is not under any configured target";
    }

    private void Exact(string url) => Add(url, Regex.Escape(url));

    private void Upstream(JsonObject upstream)
    {
        Prefix((string)upstream["Endpoint"]!, (string?)upstream["Path"] ?? "");
        if ((string?)upstream["SignatureEndpoint"] is { Length: > 0 } signatures)
        {
            Prefix(signatures, (string?)upstream["SignaturePath"] ?? (string?)upstream["Path"] ?? "");
        }
    }

    private void Prefix(string endpoint, string path)
    {
        var prefix = endpoint.TrimEnd('/') + "/v2/" + (path.Length == 0 ? "" : path.Trim('/') + "/");
        Add(prefix, Regex.Escape(prefix) + Name + $"/(?:manifests/(?:{Tag}|{Digest})|blobs/{Digest}|tags/list|referrers/{Digest})" + Query);
    }

    private void Add(string prefix, string pattern)
        => _targets.Add((new Uri(prefix), new Regex("^" + pattern + "$", RegexOptions.CultureInvariant | RegexOptions.Compiled)));
}
