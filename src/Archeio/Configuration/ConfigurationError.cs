namespace Archeio.Configuration;

/// <summary>One invalid setting: its full configuration key and why it is invalid.</summary>
internal sealed record ConfigurationError(string Key, string Message)
{
    public override string ToString() => $"{Key}: {Message}";
}
