using System.Collections.Immutable;
using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.Signing;

/// <summary>
/// The signers of the mirrors that have <c>Signing</c>, by candidate index: the one place a URL of a private mirror
/// is signed, for the redirect (<see cref="Apply"/>, from <see cref="RequestRouter"/>), the blob check's HEAD and the
/// probes (<see cref="Sign"/>). The router decides where a request goes and stays pure; signing is applied to its
/// decision, as the middleware applies a policy's pick.
/// </summary>
internal sealed class MirrorSigners
{
    private readonly ImmutableArray<UrlSigner?> _byIndex;

    public MirrorSigners(ArcheioSettings settings, TimeProvider time, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger<MirrorSigners>();
        _byIndex = [.. settings.Mirrors.Select(mirror => mirror.Signing switch
        {
            null => null,
            S3Signing s3 => new S3Presigner(s3, S3Credentials.For(s3), time),
            CloudFrontSigning cloudFront => new CloudFrontSigner(cloudFront, new KeyFile<CloudFrontKey>(cloudFront.PrivateKeyFile, CloudFrontKey.Parse, time, logger), time),
            AzureSasSigning azure => AzureSigner(azure, time, logger),
            _ => (UrlSigner?)null,
        })];
    }

    /// <summary>For tests and tools: no mirror is signed.</summary>
    public static MirrorSigners None { get; } = new([]);

    private MirrorSigners(ImmutableArray<UrlSigner?> byIndex) => _byIndex = byIndex;

    /// <summary>True when <paramref name="candidate"/> (or the store a manifest view looks at) is a signed mirror.</summary>
    public bool Signs(Candidate candidate) => SignerOf(candidate) is not null;

    /// <summary><paramref name="url"/> of <paramref name="candidate"/>, signed for <paramref name="method"/> when the candidate is a signed mirror; else as it is.</summary>
    public string Sign(Candidate candidate, string url, HttpMethod method) => SignerOf(candidate) is { } signer ? signer.Sign(url, method) : url;

    /// <summary>
    /// The decision with the URLs of a signed mirror signed for the client's <paramref name="method"/>: a redirect's
    /// <c>Location</c>, a proxied answer's source (the same URL, fetched by Archeio). Anything else as it is.
    /// </summary>
    public RouteDecision Apply(RouteDecision decision, string method)
    {
        switch (decision)
        {
            case Redirect { Target: RouteTarget.Mirror, Holder: { } holder } redirect when Signs(holder):
                return redirect with { Location = Sign(holder, redirect.Location, MethodOf(method)) };
            case Proxy { Via: { Target: RouteTarget.Mirror, Holder: { } holder } via } proxy when Signs(holder):
                var signed = via with { Location = Sign(holder, via.Location, MethodOf(method)) };
                return proxy with { Via = signed, Sources = proxy.Sources.SetItem(0, proxy.Sources[0] with { Url = signed.Location }) };
            default:
                return decision;
        }
    }

    private static HttpMethod MethodOf(string method) => method == "HEAD" ? HttpMethod.Head : HttpMethod.Get;

    private UrlSigner? SignerOf(Candidate candidate)
    {
        var store = candidate is ManifestView view ? view.Store : candidate;
        return (uint)store.Index < (uint)_byIndex.Length ? _byIndex[store.Index] : null;
    }

    private static AzureSasSigner AzureSigner(AzureSasSigning azure, TimeProvider time, ILogger logger)
    {
        if (azure.AccountKeyFile is { } file)
        {
            var keyFile = new KeyFile<AzureAccountKey>(file, AzureAccountKey.Parse, time, logger);
            return new AzureSasSigner(azure, () => keyFile.Current, time);
        }

        var key = AzureAccountKey.FromEnvironment(azure.AccountKeyVariable!);
        return new AzureSasSigner(azure, () => key, time);
    }
}
