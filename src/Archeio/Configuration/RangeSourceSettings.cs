using Archeio.Ranges.Parsing;
using Archeio.Sources;

namespace Archeio.Configuration;

/// <summary>One published cloud IP range list.</summary>
/// <param name="Cloud">Cloud name that rules match on (e.g. <c>AWS</c>).</param>
/// <param name="Format">Which provider's file format the source is in.</param>
/// <param name="Source">A file path or an http(s) URL.</param>
internal sealed record RangeSourceSettings(string Cloud, RangeFormat Format, string Source)
{
    public bool IsUrl => SourceLocation.IsUrl(Source);
}
