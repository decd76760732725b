using System.Collections.Immutable;
using System.Net;
using Archeio.Ranges.Parsing;

namespace Archeio.Configuration;

/// <summary>
/// Reads and validates the <c>Archeio</c> configuration section into <see cref="ArcheioSettings"/>.
/// It reads <see cref="IConfiguration"/> key by key instead of using the binder so that every bad
/// value, missing key and unknown key (a typo such as <c>Uptream</c>) is reported at once, each with
/// its full key, instead of stopping at the first value the binder cannot convert.
/// </summary>
/// <remarks>
/// How it is built. Read: each settings record has a static <c>Read(SettingsSection)</c> beside it that names its
/// keys by <c>nameof</c> of its members and holds each key's default (from the record), range and check; a
/// <see cref="SettingsSection"/> offers the typed reads and records a bad value under its full key, then goes on with
/// the default. Link: <see cref="SettingsLinker"/> resolves the names rules list into the mirror and upstream objects,
/// numbers the candidates and runs the checks that need more than one section. Validate all at once: reading and
/// linking add to one <see cref="ConfigurationErrors"/>, in which reading leaves a slot where each link error belongs,
/// so the report lists every error in key-reading order, and settings are returned only when there is none.
/// </remarks>
internal static class ArcheioSettingsReader
{
    public const string SectionName = "Archeio";

    /// <summary>Root keys that no <see cref="ArcheioSettings"/> member is named after.</summary>
    public const string RangesDirectoryKey = "RangesDirectory";

    public const string DefaultMirrorBaseUrlKey = "DefaultMirrorBaseUrl";

    private const string DebugKey = "Debug";

    /// <summary>File names that <c>RangesDirectory</c> (<c>ARCHEIO_RANGES_DIR</c>) loads, as the providers publish them.</summary>
    public static readonly ImmutableArray<(string Cloud, RangeFormat Format, string FileName)> RangesDirectoryFiles =
    [
        ("AWS", RangeFormat.Aws, "aws-ip-ranges.json"),
        ("GCP", RangeFormat.Gcp, "gcp-cloud.json"),
        ("Azure", RangeFormat.Azure, "azure-service-tags.json"),
    ];

    private static readonly string[] RootKeys =
    [
        nameof(ArcheioSettings.Port), nameof(ArcheioSettings.InfoUrl), nameof(ArcheioSettings.PrivacyUrl), nameof(ArcheioSettings.Upstream),
        nameof(ArcheioSettings.ClientIp), nameof(ArcheioSettings.Ranges), RangesDirectoryKey, nameof(ArcheioSettings.RangesRefresh),
        nameof(ArcheioSettings.Mirrors), DefaultMirrorBaseUrlKey, nameof(ArcheioSettings.Rules), nameof(ArcheioSettings.BlobCheck),
        nameof(ArcheioSettings.Probes), nameof(ArcheioSettings.Geo), nameof(ArcheioSettings.Upstreams), nameof(ArcheioSettings.UpstreamFailover),
        nameof(ArcheioSettings.UpstreamHealth), DebugKey, nameof(ArcheioSettings.Metrics),
        nameof(ArcheioSettings.Shutdown), nameof(ArcheioSettings.Logging), nameof(ArcheioSettings.Proxy), nameof(ArcheioSettings.Egress),
        nameof(ArcheioSettings.RateLimits), nameof(ArcheioSettings.RateLimitExempt),
    ];

    public static ArcheioSettings ReadOrThrow(IConfiguration configuration)
    {
        var settings = Read(configuration, out var errors);
        return settings ?? throw new InvalidConfigurationException(errors);
    }

    public static ArcheioSettings? Read(IConfiguration configuration, out IReadOnlyList<ConfigurationError> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var log = new ConfigurationErrors();
        var root = new SettingsSection(configuration.GetSection(SectionName), log);
        root.CheckKnownKeys(RootKeys);

        // The order of these reads is the order of the report.
        var port = root.Int(nameof(ArcheioSettings.Port), ArcheioSettings.DefaultPort, 1, 65535);
        var info = root.Url(nameof(ArcheioSettings.InfoUrl), required: true, allowQuery: true) ?? string.Empty;
        var privacy = root.Url(nameof(ArcheioSettings.PrivacyUrl), required: true, allowQuery: true) ?? string.Empty;
        var upstream = UpstreamSettings.Read(root.Section(nameof(ArcheioSettings.Upstream)));
        var upstreams = UpstreamSettings.ReadNamed(root.Section(nameof(ArcheioSettings.Upstreams)));
        var failoverSection = root.Section(nameof(ArcheioSettings.UpstreamFailover));
        var failover = NameRef.UpstreamListOf(failoverSection);
        var failoverErrors = failoverSection.Later();
        var upstreamHealth = UpstreamHealthSettings.Read(root.Section(nameof(ArcheioSettings.UpstreamHealth)));
        var clientIp = ClientIpSettings.Read(root.Section(nameof(ArcheioSettings.ClientIp)));
        var ranges = RangeSourceSettings.ReadAll(root);
        var rangesRefresh = RangesRefreshSettings.Read(root.Section(nameof(ArcheioSettings.RangesRefresh)));
        var mirrors = MirrorSettings.ReadAll(root);
        var rules = root.Section(nameof(ArcheioSettings.Rules)).Children().Select((rule, index) => RuleSettings.Read(rule, index)).ToImmutableArray();
        var blobCheck = BlobCheckSettings.Read(root.Section(nameof(ArcheioSettings.BlobCheck)));
        var probes = ProbeSettings.Read(root.Section(nameof(ArcheioSettings.Probes)));
        var geoSection = root.Section(nameof(ArcheioSettings.Geo));
        var geo = GeoSettings.Read(geoSection);
        var geoErrors = geoSection.Later();
        var debug = root.Section(DebugKey);
        debug.CheckKnownKeys(nameof(ArcheioSettings.RouteHeader));
        var routeHeader = debug.Bool(nameof(ArcheioSettings.RouteHeader), false);
        var metricsSection = root.Section(nameof(ArcheioSettings.Metrics));
        var metrics = MetricsSettings.Read(metricsSection);
        var metricsErrors = metricsSection.Later();
        var shutdown = ShutdownSettings.Read(root.Section(nameof(ArcheioSettings.Shutdown)));
        var logging = LoggingSettings.Read(root.Section(nameof(ArcheioSettings.Logging)));
        var proxySection = root.Section(nameof(ArcheioSettings.Proxy));
        var proxy = ProxySettings.Read(proxySection);
        var proxyErrors = proxySection.Later();
        var egress = EgressSettings.Read(root.Section(nameof(ArcheioSettings.Egress)));
        var limitNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var rateLimits = root.Section(nameof(ArcheioSettings.RateLimits)).Children().Select((limit, index) => RateLimitSettings.Read(limit, index, limitNames)).ToImmutableArray();
        var exemptSection = root.Section(nameof(ArcheioSettings.RateLimitExempt));
        var exempt = RateLimitExemptSettings.Read(exemptSection);
        var exemptErrors = exemptSection.Later();

        var settings = SettingsLinker.Link(new SettingsDraft(
            port, info, privacy, upstream, upstreams, failover, failoverErrors, upstreamHealth, clientIp, ranges, rangesRefresh, mirrors, rules, blobCheck,
            probes, geo, geoErrors, routeHeader, metrics, metricsErrors, shutdown, logging, proxy, proxyErrors, egress)
        {
            RateLimits = rateLimits,
            RateLimitExempt = exempt,
            RateLimitExemptErrors = exemptErrors,
        });
        errors = log.ToList();
        return errors.Count > 0 ? null : settings;
    }

    /// <summary>Strict CIDR: a network address with no host bits set, e.g. <c>10.0.0.0/8</c>.</summary>
    internal static bool TryParseCidr(string? text, out IPNetwork network, out string why)
    {
        why = $"'{text}' is not a CIDR network (e.g. 10.0.0.0/8 or 2001:db8::/32)";
        if (!CidrParser.TryParse(text, out network, out var hostBitsSet))
        {
            return false;
        }

        if (hostBitsSet)
        {
            why = $"'{text}' is not a CIDR network: host bits are set (did you mean {network}?)";
            return false;
        }

        return true;
    }
}
