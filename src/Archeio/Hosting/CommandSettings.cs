using System.Collections;
using Archeio.Configuration;

namespace Archeio.Hosting;

/// <summary>
/// The settings as every command reads them (the server, <c>explain</c>, <c>ranges fetch</c>), and the one way a
/// configuration error is told: which exceptions are one, and its reason with the parser's details.
/// </summary>
internal static class CommandSettings
{
    /// <summary>The settings, or null after writing <c>&lt;command&gt;: &lt;reason&gt;</c> to <paramref name="error"/>.</summary>
    public static async Task<ArcheioSettings?> ReadAsync(string command, string? configFile, IDictionary environment, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            return ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddArcheioSources(configFile, environment).Build());
        }
        catch (Exception ex) when (IsConfigurationError(ex))
        {
            await error.WriteLineAsync($"{command}: {ReasonOf(ex)}");
            return null;
        }
    }

    public static bool IsConfigurationError(Exception ex) => ex is InvalidConfigurationException or InvalidDataException or FormatException;

    /// <summary>
    /// The message, and for a file that does not parse the parser's reason: the JSON provider's own message names
    /// only the file ("Failed to load configuration from file …"); what, and at which line, is in the inner exceptions.
    /// </summary>
    public static string ReasonOf(Exception ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var reason = ex.Message;
        for (var inner = ex is InvalidDataException ? ex.InnerException : null; inner is not null; inner = inner.InnerException)
        {
            reason += " " + inner.Message;
        }

        return reason;
    }
}
