using System.Security.Cryptography;
using Archeio.Signing;

namespace Archeio.Configuration;

/// <summary>How a mirror's redirects (and the HEADs that check it) are signed.</summary>
internal enum SigningKind
{
    /// <summary>An AWS Signature Version 4 presigned URL (S3, every S3-compatible store, GCS's XML API with HMAC keys).</summary>
    S3,

    /// <summary>A CloudFront signed URL with a canned policy.</summary>
    CloudFront,

    /// <summary>An Azure Blob service SAS with read permission only.</summary>
    AzureSas,
}

/// <summary>
/// <c>Mirrors:N:Signing</c>: the mirror's bucket is private, and every URL Archeio hands out for it, or fetches itself,
/// is signed and expires (docs/configuration.md "Signed mirrors", docs/security.md "Signing keys"). One record per kind.
/// </summary>
/// <param name="Expires">How long a signed URL is valid from the moment it is made (<c>Expires</c>).</param>
internal abstract record SigningSettings(TimeSpan Expires)
{
    public static readonly TimeSpan DefaultExpires = TimeSpan.FromMinutes(10);

    /// <summary>A client follows a redirect at once, but a slow one resumes a cut download on the same URL: not less.</summary>
    public static readonly TimeSpan MinExpires = TimeSpan.FromMinutes(1);

    /// <summary>SigV4's own limit (X-Amz-Expires ≤ 604800), kept for every kind: a longer-lived URL is a hot-link.</summary>
    public static readonly TimeSpan MaxExpires = TimeSpan.FromDays(7);

    public abstract SigningKind Kind { get; }

    /// <summary>
    /// Reads <c>Mirrors:N:Signing</c> for a mirror with these URL templates; null when the section is absent or
    /// invalid (every error is reported under its key).
    /// </summary>
    public static SigningSettings? Read(SettingsSection mirror, string blobUrl, string? manifestUrl)
    {
        var section = mirror.Section("Signing");
        if (section.Value is null && !section.Children().Any())
        {
            return null;
        }

        section.CheckKnownKeys(
            "Kind", nameof(Expires),
            nameof(S3Signing.Region), nameof(S3Signing.Service), nameof(S3Signing.AccessKeyIdVariable), nameof(S3Signing.SecretAccessKeyVariable), nameof(S3Signing.SessionTokenVariable),
            nameof(CloudFrontSigning.KeyPairId), nameof(CloudFrontSigning.PrivateKeyFile),
            nameof(AzureSasSigning.AccountName), nameof(AzureSasSigning.AccountKeyVariable), nameof(AzureSasSigning.AccountKeyFile));
        if (section.Text("Kind") is null)
        {
            section.Error("Kind", $"is required: one of {string.Join(", ", Enum.GetNames<SigningKind>())}");
            return null;
        }

        var errors = section.ErrorCount;
        var kind = section.Choice("Kind", SigningKind.S3);
        var expires = section.TimeSpan(nameof(Expires), DefaultExpires, MaxExpires);
        if (expires < MinExpires)
        {
            section.Error(nameof(Expires), $"'{expires:c}' is shorter than {MinExpires:c}: a client resuming a download would find its URL expired");
        }

        foreach (var (key, template) in (ReadOnlySpan<(string, string?)>)[(nameof(MirrorSettings.BlobUrl), blobUrl), (nameof(MirrorSettings.ManifestUrl), manifestUrl)])
        {
            if (template is not null && template.Contains('?', StringComparison.Ordinal))
            {
                // The signature's own parameters are the query; a template's would be signed along, and a store that
                // checks signatures refuses parameters it does not know.
                mirror.Error(key, "may not have a query when the mirror is signed (Signing)");
            }
        }

        SigningSettings? result = kind switch
        {
            SigningKind.S3 => ReadS3(section, expires),
            SigningKind.CloudFront => ReadCloudFront(section, expires),
            _ => ReadAzure(section, expires),
        };
        return section.ErrorCount == errors ? result : null;
    }

    private static S3Signing ReadS3(SettingsSection section, TimeSpan expires)
    {
        var region = section.Text(nameof(S3Signing.Region));
        if (region is null || !region.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            section.Error(nameof(S3Signing.Region), region is null
                ? "is required for S3 signing (the signature's credential scope; 'auto' for GCS)"
                : $"'{region}' is not a region name (lowercase letters, digits and '-')");
        }

        var service = section.Text(nameof(S3Signing.Service)) ?? "s3";
        var keyId = EnvironmentName(section, nameof(S3Signing.AccessKeyIdVariable));
        var secret = EnvironmentName(section, nameof(S3Signing.SecretAccessKeyVariable));
        var token = EnvironmentName(section, nameof(S3Signing.SessionTokenVariable));
        if ((keyId is null) != (secret is null))
        {
            section.Error(keyId is null ? nameof(S3Signing.AccessKeyIdVariable) : nameof(S3Signing.SecretAccessKeyVariable),
                "AccessKeyIdVariable and SecretAccessKeyVariable go together: set both, or neither for the standard AWS credential chain");
        }

        if (token is not null && keyId is null)
        {
            section.Error(nameof(S3Signing.SessionTokenVariable), "is set without AccessKeyIdVariable and SecretAccessKeyVariable");
        }

        return new S3Signing(expires, region ?? "", service, keyId, secret, token);
    }

    private static CloudFrontSigning ReadCloudFront(SettingsSection section, TimeSpan expires)
    {
        var keyPairId = section.Text(nameof(CloudFrontSigning.KeyPairId));
        if (keyPairId is null || !keyPairId.All(char.IsAsciiLetterOrDigit))
        {
            section.Error(nameof(CloudFrontSigning.KeyPairId), keyPairId is null ? "is required for CloudFront signing" : $"'{keyPairId}' is not a CloudFront public key id (letters and digits)");
        }

        var file = section.Text(nameof(CloudFrontSigning.PrivateKeyFile));
        if (file is null)
        {
            section.Error(nameof(CloudFrontSigning.PrivateKeyFile), "is required for CloudFront signing");
        }
        else if (KeyFileCheck(file, CloudFrontKey.Parse) is { } why)
        {
            section.Error(nameof(CloudFrontSigning.PrivateKeyFile), why);
        }

        return new CloudFrontSigning(expires, keyPairId ?? "", file ?? "");
    }

    private static AzureSasSigning ReadAzure(SettingsSection section, TimeSpan expires)
    {
        var account = section.Text(nameof(AzureSasSigning.AccountName));
        if (account is not null && !account.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)))
        {
            section.Error(nameof(AzureSasSigning.AccountName), $"'{account}' is not a storage account name (lowercase letters and digits)");
        }

        var variable = EnvironmentName(section, nameof(AzureSasSigning.AccountKeyVariable));
        var file = section.Text(nameof(AzureSasSigning.AccountKeyFile));
        if ((variable is null) == (file is null))
        {
            section.Error(nameof(AzureSasSigning.AccountKeyVariable), "set exactly one of AccountKeyVariable and AccountKeyFile: where the account key is");
        }
        else if (variable is not null && AzureAccountKey.Check(Environment.GetEnvironmentVariable(variable)) is { } bad)
        {
            section.Error(nameof(AzureSasSigning.AccountKeyVariable), $"environment variable '{variable}' {bad}");
        }
        else if (file is not null && KeyFileCheck(file, AzureAccountKey.Parse) is { } why)
        {
            section.Error(nameof(AzureSasSigning.AccountKeyFile), why);
        }

        return new AzureSasSigning(expires, account, variable, file);
    }

    /// <summary>
    /// The name of an environment variable that holds a secret; the variable must be set. Only the name is ever in the
    /// configuration, a log or an error message, never the value.
    /// </summary>
    private static string? EnvironmentName(SettingsSection section, string key)
    {
        var name = section.Text(key);
        if (name is not null && string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name)))
        {
            section.Error(key, $"environment variable '{name}' is not set");
        }

        return name;
    }

    /// <summary>Why the key file cannot be used (missing, unreadable, not a key of the kind); null when it can. The key is not echoed.</summary>
    private static string? KeyFileCheck<T>(string path, Func<byte[], T> parse)
        where T : class
    {
        try
        {
            parse(File.ReadAllBytes(path));
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"file '{path}' cannot be read: {e.Message}";
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            return $"file '{path}' does not hold a usable key: {e.Message}";
        }
    }
}

/// <summary>
/// <c>Kind: S3</c>. Credentials from the environment variables named here, or, when none is named, from the standard
/// AWS chain (AWSSDK.Core: environment, profile, web identity, ECS, instance metadata).
/// </summary>
/// <param name="Expires">How long a signed URL is valid.</param>
/// <param name="Region">The credential scope's region (<c>us-east-1</c>; <c>auto</c> for GCS).</param>
/// <param name="Service">The credential scope's service: <c>s3</c>.</param>
/// <param name="AccessKeyIdVariable">The environment variable holding the access key id, or null: the standard chain.</param>
/// <param name="SecretAccessKeyVariable">The environment variable holding the secret access key (with <paramref name="AccessKeyIdVariable"/>).</param>
/// <param name="SessionTokenVariable">The environment variable holding a session token, for temporary credentials, or null.</param>
internal sealed record S3Signing(
    TimeSpan Expires, string Region, string Service, string? AccessKeyIdVariable, string? SecretAccessKeyVariable, string? SessionTokenVariable)
    : SigningSettings(Expires)
{
    public override SigningKind Kind => SigningKind.S3;
}

/// <summary><c>Kind: CloudFront</c>: the public key's id in the distribution's key group, and the private half's PEM file (RSA 2048 or ECDSA P-256).</summary>
internal sealed record CloudFrontSigning(TimeSpan Expires, string KeyPairId, string PrivateKeyFile) : SigningSettings(Expires)
{
    public override SigningKind Kind => SigningKind.CloudFront;
}

/// <summary><c>Kind: AzureSas</c>: the storage account (else read from the URL) and where its key is.</summary>
internal sealed record AzureSasSigning(TimeSpan Expires, string? AccountName, string? AccountKeyVariable, string? AccountKeyFile) : SigningSettings(Expires)
{
    public override SigningKind Kind => SigningKind.AzureSas;
}
