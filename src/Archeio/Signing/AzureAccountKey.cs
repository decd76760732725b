using System.Text;

namespace Archeio.Signing;

/// <summary>A storage account key: base64 of 64 bytes, as the portal and <c>az storage account keys list</c> give it.</summary>
internal sealed class AzureAccountKey
{
    private AzureAccountKey(string value) => Value = value;

    public string Value { get; }

    /// <summary>Why <paramref name="value"/> is not an account key ("is not set", "is not base64"); null when it is. The value is not quoted.</summary>
    public static string? Check(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return "is not set";
        }

        var bytes = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), bytes, out var length) && length >= 32 ? null : "is not a storage account key (base64)";
    }

    /// <summary>Reads a key file (the key, white space around it ignored); throws <see cref="FormatException"/> saying why, without quoting it.</summary>
    public static AzureAccountKey Parse(byte[] file)
    {
        var text = Encoding.UTF8.GetString(file).Trim();
        return Check(text) is { } why ? throw new FormatException("the file " + why) : new AzureAccountKey(text);
    }

    public static AzureAccountKey FromEnvironment(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return Check(value) is { } why ? throw new FormatException($"environment variable '{variable}' {why}") : new AzureAccountKey(value!.Trim());
    }
}
