namespace Archeio.Configuration;

/// <summary>Archeio's own logging settings (<c>Archeio:Logging</c>); levels stay in the standard <c>Logging</c> section.</summary>
/// <param name="Format">JSON, plain text, or chosen by whether standard output is a terminal.</param>
/// <param name="AccessSampleRate">The share of requests that get an access-log line, from 0 to 1 (1: every request).</param>
/// <param name="RedactClientIp">Leave client IP addresses out of every log line (privacy policies such as the Linux Foundation's).</param>
internal sealed record LoggingSettings(LogFormat Format, double AccessSampleRate, bool RedactClientIp)
{
    public static LoggingSettings Default { get; } = new(LogFormat.Auto, 1.0, false);
}
