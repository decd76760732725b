using System.Collections;

namespace Archeio.Configuration;

/// <summary>
/// Assembles the configuration sources, lowest precedence first:
/// <list type="number">
/// <item>the embedded registry.k8s.io profile, or, when <c>--config</c> or <c>ARCHEIO_CONFIG</c> names a file,
/// that file instead (whole: its lists are never merged index by index with the default's);</item>
/// <item>the original Go service's environment variables (<see cref="LegacyVariables"/>);</item>
/// <item>environment variables in the <c>Archeio__Upstream__Endpoint</c> form.</item>
/// </list>
/// </summary>
internal static class ArcheioConfiguration
{
    public const string ConfigFileVariable = "ARCHEIO_CONFIG";

    private const string DefaultResource = "Archeio.default.json";

    /// <summary>
    /// The original service's variables and the keys they set. As in the original, a variable that is set
    /// counts even when empty (an empty <c>UPSTREAM_REGISTRY_PATH</c> means no path).
    /// </summary>
    public static readonly IReadOnlyList<(string Variable, string Key)> LegacyVariables =
    [
        ("PORT", "Archeio:Port"),
        ("UPSTREAM_REGISTRY_ENDPOINT", "Archeio:Upstream:Endpoint"),
        ("UPSTREAM_REGISTRY_PATH", "Archeio:Upstream:Path"),
        ("SIGNATURE_UPSTREAM_ENDPOINT", "Archeio:Upstream:SignatureEndpoint"),
        ("DEFAULT_AWS_BASE_URL", "Archeio:DefaultMirrorBaseUrl"),
        ("ARCHEIO_RANGES_DIR", "Archeio:RangesDirectory"),
    ];

    /// <summary>Adds the sources. <paramref name="configFile"/> overrides <c>ARCHEIO_CONFIG</c>.</summary>
    public static IConfigurationBuilder AddArcheioSources(this IConfigurationBuilder builder, string? configFile, IDictionary environment)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(environment);
        configFile ??= environment[ConfigFileVariable] as string;
        if (string.IsNullOrWhiteSpace(configFile))
        {
            builder.AddJsonStream(OpenDefault());
        }
        else
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new InvalidConfigurationException([new ConfigurationError("--config", $"file '{configFile}' does not exist")]);
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        var legacy = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (variable, key) in LegacyVariables)
        {
            if (environment[variable] is string value)
            {
                legacy[key] = value;
            }
        }

        builder.AddInMemoryCollection(legacy);

        // Same translation as the environment-variables provider ("__" separates sections),
        // from the dictionary given, so that tests can pass their own environment.
        var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string name && name.Contains("__", StringComparison.Ordinal))
            {
                variables[name.Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = entry.Value as string;
            }
        }

        return builder.AddInMemoryCollection(variables);
    }

    /// <summary>The embedded default configuration (the registry.k8s.io profile).</summary>
    public static Stream OpenDefault()
        => typeof(ArcheioConfiguration).Assembly.GetManifestResourceStream(DefaultResource)
            ?? throw new InvalidOperationException($"embedded resource {DefaultResource} is missing");
}
