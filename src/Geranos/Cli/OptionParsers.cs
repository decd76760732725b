using System.CommandLine.Parsing;
using System.Globalization;

namespace Geranos.Cli;

/// <summary>
/// Parsers for option values that report a clear error instead of throwing, so that every bad value is listed
/// at once (exit 2) rather than crashing on the first.
/// </summary>
internal static class OptionParsers
{
    /// <summary>An absolute http(s) URL without query or fragment.</summary>
    public static Uri? HttpUrl(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Query.Length == 0 && uri.Fragment.Length == 0)
        {
            return uri;
        }

        result.AddError($"{Name(result)} {text}: an http:// or https:// URL without query or fragment");
        return null;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Func<ArgumentResult, int> Int(int min, int max, int fallback) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        result.AddError($"{Name(result)} {text}: a whole number from {min} to {max}");
        return fallback;
    };

    /// <summary>A positive finite number.</summary>
    public static double? Positive(ArgumentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value))
        {
            return value;
        }

        result.AddError($"{Name(result)} {text}: a number above 0");
        return null;
    }

    /// <summary>A number of seconds above 0 and at most <paramref name="max"/>.</summary>
    public static Func<ArgumentResult, double> Seconds(double max, double fallback) => result =>
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max)
        {
            return value;
        }

        result.AddError(string.Create(CultureInfo.InvariantCulture, $"{Name(result)} {text}: a number of seconds above 0 and at most {max}"));
        return fallback;
    };

    private static string Name(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
