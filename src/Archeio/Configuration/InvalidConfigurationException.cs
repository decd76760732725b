namespace Archeio.Configuration;

/// <summary>Thrown at start-up with every invalid setting found, so that all are reported at once.</summary>
internal sealed class InvalidConfigurationException : Exception
{
    public InvalidConfigurationException(IReadOnlyList<ConfigurationError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public InvalidConfigurationException()
        : this([])
    {
    }

    public InvalidConfigurationException(string message)
        : this([new ConfigurationError("Archeio", message)])
    {
    }

    public InvalidConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [new ConfigurationError("Archeio", message)];
    }

    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Format(IReadOnlyList<ConfigurationError> errors)
        => $"Invalid configuration ({errors.Count} error{(errors.Count == 1 ? "" : "s")}):"
            + string.Concat(errors.Select(e => Environment.NewLine + "  " + e));
}
