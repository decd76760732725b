using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>
/// The source-of-truth registry, and optionally a separate one for cosign signatures.
/// Redirects go to <c>&lt;Endpoint&gt;/v2/&lt;Path&gt;/&lt;name&gt;/&lt;rest&gt;</c>.
/// </summary>
/// <param name="Endpoint">Scheme, host and optional base path, without a trailing slash.</param>
/// <param name="Path">Repository prefix in the upstream, without leading or trailing slashes; may be empty.</param>
/// <param name="SignatureEndpoint">Endpoint for cosign <c>.sig</c>/<c>.att</c> tags, or null to use <see cref="Endpoint"/>.</param>
/// <param name="SignaturePath">Repository prefix in the signature upstream.</param>
internal sealed record UpstreamSettings(string Endpoint, string Path, string? SignatureEndpoint, string SignaturePath)
{
    /// <summary>The name rules use (<c>Upstreams:N:Name</c>); <c>default</c> for <c>Archeio:Upstream</c>.</summary>
    public string Name { get; init; } = DefaultName;

    /// <summary>The name of <c>Archeio:Upstream</c>.</summary>
    public const string DefaultName = "default";

    /// <summary>
    /// Position among all upstreams: 0 for <c>Archeio:Upstream</c>, 1 + N for <c>Archeio:Upstreams:N</c>. The upstream's
    /// identity in the health board (Upstreams/UpstreamHealthBoard.cs) and its view (Routing/UpstreamHealthView.cs).
    /// </summary>
    public int Index { get; init; }

    /// <summary>The manifest its health probe also asks for (<c>ProbeManifest</c>), or null: only <c>/v2/</c> is asked.</summary>
    public ManifestProbe? ProbeManifest { get; init; }

    /// <summary>
    /// Hosts this upstream itself redirects clients to (<c>RedirectHosts</c>: <c>host</c> or <c>host:port</c>, e.g. the
    /// storage host of a cloud registry), as <c>host:port</c> (443 when none is given): only for the published egress
    /// list, since a client that follows an upstream's redirect must be allowed to reach them too.
    /// </summary>
    public ImmutableArray<string> RedirectHosts { get; init; } = [];

    /// <summary>What one GiB of the upstream's egress costs (<c>PricePerGiB</c>, no currency), or null: no cost estimated (Metrics/EgressMetrics.cs).</summary>
    public double? PricePerGiB { get; init; }

    /// <summary>
    /// The requests Archeio may send to it (redirects and proxied requests) in any minute (<c>MaxRequestsPerMinute</c>),
    /// protecting its quota; 0: no limit. At it, tag and manifest requests go to the next upstream of the list, and get
    /// a 429 when none is left (RateLimiting/UpstreamQuotaBoard.cs).
    /// </summary>
    public int MaxRequestsPerMinute { get; init; }

    /// <summary><c>&lt;Endpoint&gt;/v2/&lt;Path&gt;/</c>: a redirect is this plus name, rest and query.</summary>
    public string Prefix { get; } = BuildPrefix(Endpoint, Path);

    /// <summary>The signature upstream's prefix, or null when none is configured.</summary>
    public string? SignaturePrefix { get; } = SignatureEndpoint is null ? null : BuildPrefix(SignatureEndpoint, SignaturePath);

    /// <summary>Authority of <see cref="Endpoint"/>, for logs.</summary>
    public string Host { get; } = new Uri(Endpoint).Authority;

    /// <summary>Authority of <see cref="SignatureEndpoint"/>, for logs.</summary>
    public string? SignatureHost { get; } = SignatureEndpoint is null ? null : new Uri(SignatureEndpoint).Authority;

    /// <summary>Reads <c>Archeio:Upstream</c>, or one of <c>Archeio:Upstreams</c> (which also knows <paramref name="extraKeys"/>); null when its endpoint is invalid.</summary>
    public static UpstreamSettings? Read(SettingsSection section, params string[] extraKeys)
    {
        section.CheckKnownKeys([nameof(Endpoint), nameof(Path), nameof(SignatureEndpoint), nameof(SignaturePath), nameof(ProbeManifest), nameof(RedirectHosts), nameof(PricePerGiB), nameof(MaxRequestsPerMinute), .. extraKeys]);
        var endpoint = section.Url(nameof(Endpoint), required: true, allowQuery: false);
        var path = section.RepositoryPath(nameof(Path)) ?? string.Empty;
        var signatureEndpoint = section.Url(nameof(SignatureEndpoint), required: false, allowQuery: false);
        var signaturePath = section.RepositoryPath(nameof(SignaturePath)) ?? path;
        var probe = ManifestProbe.Read(section, nameof(ProbeManifest));
        var redirectHosts = section.HostPorts(nameof(RedirectHosts), defaultPort: 443);
        var price = section.Price(nameof(PricePerGiB));
        var quota = section.Int(nameof(MaxRequestsPerMinute), 0, 0, RateLimitSettings.MaxPermits);
        return endpoint is null ? null : new UpstreamSettings(endpoint, path, signatureEndpoint, signaturePath)
        {
            ProbeManifest = probe, RedirectHosts = redirectHosts, PricePerGiB = price, MaxRequestsPerMinute = quota,
        };
    }

    /// <summary>Reads <c>Archeio:Upstreams</c>: each named, uniquely and not <see cref="DefaultName"/>.</summary>
    public static ImmutableArray<UpstreamSettings> ReadNamed(SettingsSection section)
    {
        var result = ImmutableArray.CreateBuilder<UpstreamSettings>();
        foreach (var item in section.Children())
        {
            var name = item[nameof(Name)];
            if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
            {
                item.Error(nameof(Name), "is required and may not contain spaces");
            }
            else if (string.Equals(name, DefaultName, StringComparison.OrdinalIgnoreCase)
                || result.Any(u => string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                item.Error(nameof(Name), $"'{name}' is taken ('default' is Archeio:Upstream)");
            }
            else if (Read(item, nameof(Name)) is { } upstream)
            {
                result.Add(upstream with { Name = name, Index = result.Count + 1 });
            }
        }

        return result.ToImmutable();
    }

    /// <summary>Where its probe's manifest is asked for: <c>&lt;Prefix&gt;&lt;name&gt;/manifests/&lt;tag&gt;</c>, as a client's request would be sent.</summary>
    public string? ProbeManifestUrl => ProbeManifest is { } probe ? string.Concat(Prefix, probe.Name, "/manifests/", probe.Tag) : null;

    private static string BuildPrefix(string endpoint, string path)
        => path.Length == 0 ? endpoint + "/v2/" : endpoint + "/v2/" + path + "/";
}
