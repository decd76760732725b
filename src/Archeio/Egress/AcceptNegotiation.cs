using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Archeio.Egress;

/// <summary>
/// Whether a request's <c>Accept</c> prefers <c>text/html</c> to <c>application/json</c> (RFC 9110 §12.5.1): each
/// type's quality is that of the most specific range that covers it (<c>text/html</c> over <c>text/*</c> over
/// <c>*/*</c>). HTML only when its quality is strictly higher, so <c>*/*</c> alone, a tie, no header or one that does
/// not parse get JSON: scripts (curl, CI) mostly send <c>*/*</c>, browsers list <c>text/html</c> first.
/// </summary>
internal static class AcceptNegotiation
{
    public static bool PrefersHtml(StringValues accept)
    {
        if (StringValues.IsNullOrEmpty(accept) || !MediaTypeHeaderValue.TryParseList(accept, out var ranges))
        {
            return false;
        }

        return QualityOf(ranges, "text", "html") > QualityOf(ranges, "application", "json");
    }

    private static double QualityOf(IList<MediaTypeHeaderValue> ranges, string type, string subtype)
    {
        var bestSpecificity = -1;
        var quality = 0.0;
        foreach (var range in ranges)
        {
            var specificity = SpecificityFor(range, type, subtype);
            if (specificity > bestSpecificity)
            {
                bestSpecificity = specificity;
                quality = range.Quality ?? 1.0;
            }
        }

        return quality;
    }

    /// <summary>2 for the type itself, 1 for its <c>type/*</c>, 0 for <c>*/*</c>, -1 for a range that does not cover it.</summary>
    private static int SpecificityFor(MediaTypeHeaderValue range, string type, string subtype)
    {
        if (range.MatchesAllTypes)
        {
            return 0;
        }

        if (!range.Type.Equals(type, StringComparison.OrdinalIgnoreCase))
        {
            return -1;
        }

        return range.MatchesAllSubTypes ? 1 : range.SubType.Equals(subtype, StringComparison.OrdinalIgnoreCase) ? 2 : -1;
    }
}
