using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Archeio.Configuration;

namespace Archeio.Signing;

/// <summary>
/// One set of AWS credentials. A class, not a record, so that no <c>ToString</c> ever prints the secret (a record's
/// does): a log line, an exception or a debugger shows the type's name only.
/// </summary>
internal sealed class S3Credential(string accessKeyId, string secretAccessKey, string? sessionToken)
{
    public string AccessKeyId { get; } = accessKeyId;

    public string SecretAccessKey { get; } = secretAccessKey;

    /// <summary>Temporary credentials' token (<c>X-Amz-Security-Token</c>), or null.</summary>
    public string? SessionToken { get; } = sessionToken;
}

/// <summary>Where a signer's AWS credentials come from; asked per URL, so that rotated temporary credentials are used once the source has them.</summary>
internal abstract class S3Credentials
{
    public abstract S3Credential Current { get; }

    /// <summary>The environment variables <paramref name="settings"/> names, read once; else the standard AWS chain.</summary>
    public static S3Credentials For(S3Signing settings)
        => settings.AccessKeyIdVariable is { } keyId
            ? new Fixed(new S3Credential(
                Environment.GetEnvironmentVariable(keyId)!,
                Environment.GetEnvironmentVariable(settings.SecretAccessKeyVariable!)!,
                settings.SessionTokenVariable is { } token ? Environment.GetEnvironmentVariable(token) : null))
            : new Chain(DefaultAWSCredentialsIdentityResolver.GetCredentials(null));

    /// <summary>Credentials configured by name: they change only with a restart.</summary>
    internal sealed class Fixed(S3Credential credential) : S3Credentials
    {
        public override S3Credential Current => credential;
    }

    /// <summary>
    /// The standard AWS credential chain (AWSSDK.Core: environment, shared profile, web identity (IRSA), ECS and
    /// instance metadata), resolved once at start. Temporary credentials are refreshed by the SDK before they expire;
    /// the converted set is kept while the SDK hands out the same one, so a URL costs no allocation for it.
    /// </summary>
    private sealed class Chain(AWSCredentials source) : S3Credentials
    {
        // One reference, swapped whole: a pair of fields could be read torn by another request's thread.
        private volatile Converted? _last;

        public override S3Credential Current
        {
            get
            {
                var now = source.GetCredentials();
                if (_last is { } last && ReferenceEquals(last.From, now))
                {
                    return last.To;
                }

                var converted = new Converted(now, new S3Credential(now.AccessKey, now.SecretKey, now.UseToken ? now.Token : null));
                _last = converted;
                return converted.To;
            }
        }

        private sealed class Converted(ImmutableCredentials from, S3Credential to)
        {
            public ImmutableCredentials From { get; } = from;

            public S3Credential To { get; } = to;
        }
    }
}
