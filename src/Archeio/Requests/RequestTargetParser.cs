namespace Archeio.Requests;

/// <summary>
/// Parses the raw HTTP request target (RFC 9112 §3.2), not ASP.NET's decoded and dot-segment-normalised
/// <c>Request.Path</c>: normalisation would turn <c>/v2/a/../b/...</c> into another repository's path,
/// which is exactly what must be rejected. API paths follow the OCI distribution spec's endpoint table:
/// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#endpoints
/// </summary>
internal static class RequestTargetParser
{
    private const string ApiPrefix = "/v2/";

    public static RegistryRequest Parse(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);

        // Spans until the name and reference are known valid: only they (and an escaped query) become strings.
        var queryStart = rawTarget.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? rawTarget.AsSpan() : rawTarget.AsSpan(0, queryStart);
        var query = queryStart < 0 ? string.Empty : EscapeQuery(rawTarget[queryStart..]);
        path = StripAbsoluteForm(path);

        switch (path)
        {
            case "/":
                return RegistryRequest.Simple(RequestKind.Root, query);
            case "/privacy":
                return RegistryRequest.Simple(RequestKind.Privacy, query);
            case "/v2" or ApiPrefix:
                return RegistryRequest.Simple(RequestKind.ApiBase, query);
        }

        if (!path.StartsWith(ApiPrefix, StringComparison.Ordinal))
        {
            return RegistryRequest.Simple(RequestKind.OutsideApi, query);
        }

        var apiPath = path[ApiPrefix.Length..];
        if (apiPath.Contains('%'))
        {
            var decoded = PercentDecode(apiPath);
            if (decoded is null)
            {
                return RegistryRequest.Invalid(OciErrorCode.NotFound, "invalid or disallowed percent-encoding in path (an encoded '/' is never valid)", query);
            }

            apiPath = decoded;
        }

        return apiPath is "_catalog" ? RegistryRequest.Simple(RequestKind.Catalog, query) : ParseApiPath(apiPath, query);
    }

    private static RegistryRequest ParseApiPath(ReadOnlySpan<char> apiPath, string query)
    {
        // <name> may itself contain '/', but <reference> and <digest> never do, and "tags/list" is fixed:
        // so the endpoint is found from the end of the path.
        var lastSlash = apiPath.LastIndexOf('/');
        if (lastSlash <= 0)
        {
            return RegistryRequest.Invalid(OciErrorCode.NotFound, "not an API path", query);
        }

        var secondLastSlash = apiPath[..lastSlash].LastIndexOf('/');
        var last = apiPath[(lastSlash + 1)..];
        var endpoint = apiPath[(secondLastSlash + 1)..lastSlash];
        var name = secondLastSlash < 0 ? [] : apiPath[..secondLastSlash];

        RequestKind kind;
        switch (endpoint)
        {
            case "tags" when last is "list":
                kind = RequestKind.TagsList;
                break;
            case "manifests":
                kind = RequestKind.Manifest;
                break;
            case "blobs":
                kind = RequestKind.Blob;
                break;
            case "referrers":
                kind = RequestKind.Referrers;
                break;
            default:
                return RegistryRequest.Invalid(OciErrorCode.NotFound, "unknown API endpoint", query);
        }

        if (!OciGrammar.IsName(name))
        {
            return RegistryRequest.Invalid(OciErrorCode.NameInvalid, "invalid repository name", query);
        }

        switch (kind)
        {
            case RequestKind.TagsList:
                return new RegistryRequest(kind, name.ToString(), string.Empty, query);
            case RequestKind.Manifest when last.Contains(':'):
            case RequestKind.Blob or RequestKind.Referrers:
                // distribution-spec, "Listing Referrers": a <digest> with an invalid syntax MUST get 400 Bad Request
                // (a 404 there would also tell a client "no referrers API", sending it to the tag fallback). The
                // spec names no status for the others, which keep the 404 of the original.
                return OciGrammar.IsDigest(last)
                    ? new RegistryRequest(kind, name.ToString(), last.ToString(), query)
                    : RegistryRequest.Invalid(OciErrorCode.DigestInvalid, "invalid digest", query, kind == RequestKind.Referrers ? 400 : 404);
            default:
                return OciGrammar.IsTag(last)
                    ? new RegistryRequest(kind, name.ToString(), last.ToString(), query)
                    : RegistryRequest.Invalid(OciErrorCode.NotFound, "invalid manifest reference", query);
        }
    }

    /// <summary>
    /// Absolute-form targets (<c>GET http://host/v2/ HTTP/1.1</c>) must be accepted by servers
    /// (RFC 9112 §3.2.2); only their path and query matter here, the authority is ignored.
    /// </summary>
    private static ReadOnlySpan<char> StripAbsoluteForm(ReadOnlySpan<char> path)
    {
        if (path.StartsWith('/'))
        {
            return path;
        }

        var schemeEnd = path.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return path;
        }

        var pathStart = path[(schemeEnd + 3)..].IndexOf('/');
        return pathStart < 0 ? "/" : path[(schemeEnd + 3 + pathStart)..];
    }

    /// <summary>
    /// The query is passed on byte for byte, except bytes that may not stand in a <c>Location</c>
    /// header (controls, space, non-ASCII): those are percent-encoded as UTF-8 (RFC 3986 §2.1).
    /// </summary>
    private static string EscapeQuery(string query)
    {
        foreach (var c in query)
        {
            if (c is <= ' ' or >= (char)0x7f)
            {
                var builder = new System.Text.StringBuilder(query.Length + 16);
                Span<byte> utf8 = stackalloc byte[4];
                for (var i = 0; i < query.Length; i++)
                {
                    var ch = query[i];
                    if (ch is > ' ' and < (char)0x7f)
                    {
                        builder.Append(ch);
                        continue;
                    }

                    var rune = char.IsSurrogatePair(query, i)
                        ? System.Text.Rune.GetRuneAt(query, i)
                        : new System.Text.Rune(char.IsSurrogate(ch) ? '\uFFFD' : ch);
                    i += rune.Utf16SequenceLength - 1;
                    var written = rune.EncodeToUtf8(utf8);
                    foreach (var b in utf8[..written])
                    {
                        builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                    }
                }

                return builder.ToString();
            }
        }

        return query;
    }

    /// <summary>
    /// Decodes %XX escapes. Returns null for a malformed escape, a non-ASCII or control byte, or an
    /// encoded '/' (which would change how the path splits into name and endpoint).
    /// </summary>
    private static string? PercentDecode(ReadOnlySpan<char> value)
    {
        var buffer = new char[value.Length];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !Uri.IsHexDigit(value[i + 1]) || !Uri.IsHexDigit(value[i + 2]))
                {
                    return null;
                }

                c = (char)((Uri.FromHex(value[i + 1]) << 4) | Uri.FromHex(value[i + 2]));
                if (c == '/' || c < 0x20 || c >= 0x7f)
                {
                    return null;
                }

                i += 2;
            }

            buffer[length++] = c;
        }

        return new string(buffer, 0, length);
    }
}
