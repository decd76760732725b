using System.Globalization;

namespace Archeio.Configuration;

/// <summary>Archeio's own logging settings (<c>Archeio:Logging</c>); levels stay in the standard <c>Logging</c> section.</summary>
/// <param name="Format">JSON, plain text, or chosen by whether standard output is a terminal.</param>
/// <param name="AccessSampleRate">The share of requests that get an access-log line, from 0 to 1 (1: every request).</param>
/// <param name="RedactClientIp">Leave client IP addresses out of every log line (privacy policies such as the Linux Foundation's).</param>
internal sealed record LoggingSettings(LogFormat Format, double AccessSampleRate, bool RedactClientIp)
{
    public static LoggingSettings Default { get; } = new(LogFormat.Auto, 1.0, false);

    /// <summary>Reads <c>Archeio:Logging</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static LoggingSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(nameof(Format), nameof(AccessSampleRate), nameof(RedactClientIp));
        var format = section.Choice(nameof(Format), Default.Format);

        var rate = Default.AccessSampleRate;
        if (section[nameof(AccessSampleRate)] is { Length: > 0 } rateText
            && !(double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate is >= 0 and <= 1))
        {
            section.Error(nameof(AccessSampleRate), $"'{rateText}' is not a number from 0 to 1");
            rate = Default.AccessSampleRate;
        }

        return new LoggingSettings(format, rate, section.Bool(nameof(RedactClientIp), Default.RedactClientIp));
    }
}
