using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Archeio.Blobs.SharedStore;
using Archeio.Ranges.Parsing;
using Archeio.Requests;

namespace Archeio.Configuration;

/// <summary>
/// Reads and validates the <c>Archeio</c> configuration section into <see cref="ArcheioSettings"/>.
/// It reads <see cref="IConfiguration"/> key by key instead of using the binder so that every bad
/// value, missing key and unknown key (a typo such as <c>Uptream</c>) is reported at once, each with
/// its full key, instead of stopping at the first value the binder cannot convert.
/// </summary>
internal static class ArcheioSettingsReader
{
    public const string SectionName = "Archeio";

    /// <summary>File names that <c>RangesDirectory</c> (<c>ARCHEIO_RANGES_DIR</c>) loads, as the providers publish them.</summary>
    public static readonly ImmutableArray<(string Cloud, RangeFormat Format, string FileName)> RangesDirectoryFiles =
    [
        ("AWS", RangeFormat.Aws, "aws-ip-ranges.json"),
        ("GCP", RangeFormat.Gcp, "gcp-cloud.json"),
        ("Azure", RangeFormat.Azure, "azure-service-tags.json"),
    ];

    /// <summary>Mirror names kept for the two upstreams, so that rules can name them later.</summary>
    private static readonly string[] ReservedMirrorNames = ["upstream", "signature-upstream"];

    private static readonly string[] RootKeys =
    [
        "Port", "InfoUrl", "PrivacyUrl", "Upstream", "ClientIp", "Ranges", "RangesDirectory", "RangesRefresh",
        "Mirrors", "DefaultMirrorBaseUrl", "Rules", "BlobCheck", "Geo", "Upstreams", "Debug", "Metrics", "Shutdown", "Logging",
    ];

    public static ArcheioSettings ReadOrThrow(IConfiguration configuration)
    {
        var settings = Read(configuration, out var errors);
        return settings ?? throw new InvalidConfigurationException(errors);
    }

    public static ArcheioSettings? Read(IConfiguration configuration, out IReadOnlyList<ConfigurationError> errors)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var e = new List<ConfigurationError>();
        var root = configuration.GetSection(SectionName);
        CheckKnownKeys(root, RootKeys, e);

        var port = ReadInt(root, "Port", 8080, 1, 65535, e);
        var info = ReadUrl(root, "InfoUrl", required: true, allowQuery: true, e) ?? string.Empty;
        var privacy = ReadUrl(root, "PrivacyUrl", required: true, allowQuery: true, e) ?? string.Empty;
        var upstream = ReadUpstream(root.GetSection("Upstream"), e);
        var upstreams = ReadUpstreams(root.GetSection("Upstreams"), e);
        var clientIp = ReadClientIp(root.GetSection("ClientIp"), e);
        var ranges = ReadRanges(root, e);
        var rangesRefresh = ReadRangesRefresh(root.GetSection("RangesRefresh"), e);
        var mirrors = ReadMirrors(root, e);
        var upstreamCandidates = new List<Candidate>();
        var rules = ReadRules(root.GetSection("Rules"), mirrors, ranges, upstream, upstreams, upstreamCandidates, e);
        var blobCheck = ReadBlobCheck(root.GetSection("BlobCheck"), e);
        var geo = ReadGeo(root.GetSection("Geo"), e);
        foreach (var rule in rules)
        {
            var key = $"{SectionName}:Rules:{rule.Index}:Match";
            if ((!rule.Countries.IsEmpty || !rule.Continents.IsEmpty) && geo.CountryDatabase is null)
            {
                e.Add(new(key, "matches on Countries or Continents, which need Geo:CountryDatabase"));
            }

            if (!rule.Asns.IsEmpty && geo.AsnDatabase is null)
            {
                e.Add(new(key, "matches on Asns, which need Geo:AsnDatabase"));
            }
        }
        var debug = root.GetSection("Debug");
        CheckKnownKeys(debug, ["RouteHeader"], e);
        var routeHeader = ReadBool(debug, "RouteHeader", false, e);
        var metrics = ReadMetrics(root.GetSection("Metrics"), port, e);
        var shutdown = root.GetSection("Shutdown");
        CheckKnownKeys(shutdown, ["Drain"], e);
        var drain = ReadTimeSpan(shutdown, "Drain", ShutdownSettings.DefaultDrain, TimeSpan.FromMinutes(5), e, allowZero: true);
        var logging = ReadLogging(root.GetSection("Logging"), e);

        errors = e;
        if (e.Count > 0)
        {
            return null;
        }

        return new ArcheioSettings
        {
            Port = port,
            InfoUrl = info,
            PrivacyUrl = privacy,
            Upstream = upstream!,
            Upstreams = upstreams,
            ClientIp = clientIp,
            Ranges = ranges,
            RangesRefresh = rangesRefresh,
            Mirrors = mirrors,
            // Upstreams that rules list as candidates are checked like mirrors, after the real ones.
            Candidates = [.. mirrors, .. upstreamCandidates],
            Rules = rules,
            BlobCheck = blobCheck,
            Geo = geo,
            RouteHeader = routeHeader,
            Metrics = metrics,
            Shutdown = new ShutdownSettings(drain),
            Logging = logging,
        };
    }

    private static RangesRefreshSettings ReadRangesRefresh(IConfigurationSection section, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["FetchTimeout", "Interval", "CacheDirectory", "RequireAtStart"], e);
        var fetchTimeout = ReadTimeSpan(section, "FetchTimeout", RangesRefreshSettings.DefaultFetchTimeout, TimeSpan.FromMinutes(5), e);
        var interval = ReadTimeSpan(section, "Interval", RangesRefreshSettings.DefaultInterval, TimeSpan.FromDays(7), e);
        if (interval < TimeSpan.FromMinutes(1))
        {
            // Providers publish a few times a day; polling faster only costs them and us.
            e.Add(new(section.GetSection("Interval").Path, $"'{section["Interval"]}' is shorter than one minute"));
        }

        var cacheDirectory = section["CacheDirectory"];
        if (string.IsNullOrWhiteSpace(cacheDirectory))
        {
            cacheDirectory = null;
        }
        else if (File.Exists(cacheDirectory))
        {
            e.Add(new(section.GetSection("CacheDirectory").Path, $"'{cacheDirectory}' is a file, not a directory"));
        }

        var requireAtStart = ReadBool(section, "RequireAtStart", false, e);
        return new RangesRefreshSettings(fetchTimeout, interval, cacheDirectory, requireAtStart);
    }

    private static MetricsSettings ReadMetrics(IConfigurationSection section, int publicPort, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["Port"], e);
        var port = ReadInt(section, "Port", MetricsSettings.DefaultPort, 1, 65535, e);
        if (port == publicPort)
        {
            e.Add(new(section.GetSection("Port").Path, $"{port} is also the public Port: metrics and health must not be served to the internet"));
        }

        return new MetricsSettings(port);
    }

    private static LoggingSettings ReadLogging(IConfigurationSection section, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["Format", "AccessSampleRate", "RedactClientIp"], e);
        var format = LogFormat.Auto;
        if (section["Format"] is { Length: > 0 } formatText && !(Enum.TryParse(formatText, ignoreCase: true, out format) && Enum.IsDefined(format)))
        {
            e.Add(new(section.GetSection("Format").Path, $"'{formatText}' is not one of auto, json, plain"));
        }

        var rate = 1.0;
        if (section["AccessSampleRate"] is { Length: > 0 } rateText
            && !(double.TryParse(rateText, NumberStyles.Float, CultureInfo.InvariantCulture, out rate) && rate is >= 0 and <= 1))
        {
            e.Add(new(section.GetSection("AccessSampleRate").Path, $"'{rateText}' is not a number from 0 to 1"));
            rate = 1.0;
        }

        return new LoggingSettings(format, rate, ReadBool(section, "RedactClientIp", false, e));
    }

    private static bool ReadBool(IConfigurationSection section, string key, bool fallback, List<ConfigurationError> e)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!bool.TryParse(value, out var result))
        {
            e.Add(new(section.GetSection(key).Path, $"'{value}' is not true or false"));
            return fallback;
        }

        return result;
    }

    private static GeoSettings ReadGeo(IConfigurationSection section, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["CountryDatabase", "AsnDatabase"], e);
        string? File(string key)
        {
            var path = section[key];
            if (string.IsNullOrWhiteSpace(path))
            {
                return null;
            }

            if (!System.IO.File.Exists(path))
            {
                e.Add(new(section.GetSection(key).Path, $"file '{path}' does not exist"));
            }

            return path;
        }

        return new GeoSettings(File("CountryDatabase"), File("AsnDatabase"));
    }

    private static BlobCheckSettings ReadBlobCheck(IConfigurationSection section, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["Timeout", "MaxEntries", "PresentTtl", "AbsentTtl", "BreakAfter", "BreakFor", "MaxConcurrent", "InventoryRefresh", "Redis"], e);
        var d = BlobCheckSettings.Default();
        var redis = section["Redis"];
        if (!string.IsNullOrWhiteSpace(redis) && RedisBlobResultStore.CheckConnectionString(redis) is { } badRedis)
        {
            // The value itself is not repeated: a connection string may hold a password.
            e.Add(new(section.GetSection("Redis").Path, "not a usable StackExchange.Redis connection string: " + badRedis));
        }

        return new BlobCheckSettings(
            ReadTimeSpan(section, "Timeout", d.Timeout, TimeSpan.FromMinutes(1), e),
            ReadInt(section, "MaxEntries", d.MaxEntries, 1, 100_000_000, e),
            ReadTimeSpan(section, "PresentTtl", d.PresentTtl, TimeSpan.FromDays(30), e),
            ReadTimeSpan(section, "AbsentTtl", d.AbsentTtl, TimeSpan.FromDays(1), e),
            ReadInt(section, "BreakAfter", d.BreakAfter, 1, 1000, e),
            ReadTimeSpan(section, "BreakFor", d.BreakFor, TimeSpan.FromHours(1), e),
            ReadInt(section, "MaxConcurrent", d.MaxConcurrent, 1, 100_000, e),
            ReadTimeSpan(section, "InventoryRefresh", d.InventoryRefresh, TimeSpan.FromDays(1), e),
            string.IsNullOrWhiteSpace(redis) ? null : redis);
    }

    private static ImmutableArray<UpstreamSettings> ReadUpstreams(IConfigurationSection section, List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<UpstreamSettings>();
        foreach (var item in section.GetChildren())
        {
            var name = item["Name"];
            if (string.IsNullOrWhiteSpace(name) || name.Any(char.IsWhiteSpace))
            {
                e.Add(new(item.Path + ":Name", "is required and may not contain spaces"));
            }
            else if (string.Equals(name, "default", StringComparison.OrdinalIgnoreCase)
                || result.Any(u => string.Equals(u.Name, name, StringComparison.OrdinalIgnoreCase)))
            {
                e.Add(new(item.Path + ":Name", $"'{name}' is taken ('default' is Archeio:Upstream)"));
            }
            else if (ReadUpstream(item, e, "Name") is { } upstream)
            {
                result.Add(upstream with { Name = name });
            }
        }

        return result.ToImmutable();
    }

    private static UpstreamSettings? ReadUpstream(IConfigurationSection section, List<ConfigurationError> e, params string[] extraKeys)
    {
        CheckKnownKeys(section, ["Endpoint", "Path", "SignatureEndpoint", "SignaturePath", .. extraKeys], e);
        var endpoint = ReadUrl(section, "Endpoint", required: true, allowQuery: false, e);
        var path = ReadRepositoryPath(section, "Path", e) ?? string.Empty;
        var signatureEndpoint = ReadUrl(section, "SignatureEndpoint", required: false, allowQuery: false, e);
        var signaturePath = ReadRepositoryPath(section, "SignaturePath", e) ?? path;
        return endpoint is null ? null : new UpstreamSettings(endpoint, path, signatureEndpoint, signaturePath);
    }

    private static ClientIpSettings ReadClientIp(IConfigurationSection section, List<ConfigurationError> e)
    {
        CheckKnownKeys(section, ["ForwardedForSkip", "TrustedNetworks"], e);
        var skip = ReadInt(section, "ForwardedForSkip", 1, 0, 32, e);
        var networks = ImmutableArray.CreateBuilder<IPNetwork>();
        foreach (var item in section.GetSection("TrustedNetworks").GetChildren())
        {
            if (TryParseCidr(item.Value, out var network, out var why))
            {
                networks.Add(network);
            }
            else
            {
                e.Add(new(item.Path, why));
            }
        }

        return new ClientIpSettings(skip, networks.ToImmutable());
    }

    private static ImmutableArray<RangeSourceSettings> ReadRanges(IConfigurationSection root, List<ConfigurationError> e)
    {
        var directory = root["RangesDirectory"];
        if (!string.IsNullOrWhiteSpace(directory))
        {
            // RangesDirectory (ARCHEIO_RANGES_DIR) replaces the Ranges list whole.
            var key = root.GetSection("RangesDirectory").Path;
            if (!Directory.Exists(directory))
            {
                e.Add(new(key, $"directory '{directory}' does not exist"));
                return [];
            }

            return [.. RangesDirectoryFiles.Select(f => new RangeSourceSettings(f.Cloud, f.Format, Path.Combine(directory, f.FileName)))];
        }

        var result = ImmutableArray.CreateBuilder<RangeSourceSettings>();
        foreach (var item in root.GetSection("Ranges").GetChildren())
        {
            CheckKnownKeys(item, ["Cloud", "Format", "Source"], e);
            var cloud = item["Cloud"];
            var formatText = item["Format"];
            var source = item["Source"];
            var ok = true;
            if (string.IsNullOrWhiteSpace(cloud))
            {
                e.Add(new(item.Path + ":Cloud", "is required"));
                ok = false;
            }

            if (!Enum.TryParse<RangeFormat>(formatText, ignoreCase: true, out var format) || !Enum.IsDefined(format)
                || int.TryParse(formatText, CultureInfo.InvariantCulture, out _))
            {
                e.Add(new(item.Path + ":Format", $"'{formatText}' is not one of aws, gcp, azure"));
                ok = false;
            }

            if (string.IsNullOrWhiteSpace(source))
            {
                e.Add(new(item.Path + ":Source", "is required (a file path or an http(s) URL)"));
                ok = false;
            }
            else if (ok)
            {
                var range = new RangeSourceSettings(cloud!, format, source);
                if (range.IsUrl && !Uri.TryCreate(source, UriKind.Absolute, out _))
                {
                    e.Add(new(item.Path + ":Source", $"'{source}' is not a valid URL"));
                }
                else if (!range.IsUrl && !File.Exists(source))
                {
                    e.Add(new(item.Path + ":Source", $"file '{source}' does not exist"));
                }
                else
                {
                    result.Add(range);
                }
            }
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<MirrorSettings> ReadMirrors(IConfigurationSection root, List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<MirrorSettings>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var defaultBase = ReadUrl(root, "DefaultMirrorBaseUrl", required: false, allowQuery: false, e);
        var defaultFound = false;
        foreach (var item in root.GetSection("Mirrors").GetChildren())
        {
            CheckKnownKeys(item, ["Name", "BlobUrl", "Inventory"], e);
            var name = item["Name"];
            if (string.IsNullOrWhiteSpace(name) || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                e.Add(new(item.Path + ":Name", "is required and may not contain spaces"));
                continue;
            }

            if (ReservedMirrorNames.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                e.Add(new(item.Path + ":Name", $"'{name}' is reserved for the upstream registries"));
                continue;
            }

            if (!names.Add(name))
            {
                e.Add(new(item.Path + ":Name", $"duplicate mirror name '{name}'"));
                continue;
            }

            var blobUrl = item["BlobUrl"];
            if (string.Equals(name, "default", StringComparison.OrdinalIgnoreCase) && defaultBase is not null)
            {
                // DEFAULT_AWS_BASE_URL: the original's layout under a bucket or CDN base URL.
                blobUrl = defaultBase + "/containers/images/" + MirrorSettings.DigestPlaceholder;
                defaultFound = true;
            }

            var why = CheckBlobUrl(blobUrl);
            if (why is not null)
            {
                e.Add(new(item.Path + ":BlobUrl", why));
                continue;
            }

            var inventory = item["Inventory"];
            if (string.IsNullOrWhiteSpace(inventory))
            {
                inventory = null;
            }
            else if (inventory.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || inventory.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                if (CheckHttpUrl(inventory, allowQuery: true) is { } bad)
                {
                    e.Add(new(item.Path + ":Inventory", bad));
                    continue;
                }
            }
            else if (!File.Exists(inventory))
            {
                e.Add(new(item.Path + ":Inventory", $"file '{inventory}' does not exist"));
                continue;
            }

            result.Add(new MirrorSettings(name, blobUrl!, result.Count, inventory));
        }

        if (defaultBase is not null && !defaultFound)
        {
            e.Add(new(root.GetSection("DefaultMirrorBaseUrl").Path, "is set (DEFAULT_AWS_BASE_URL) but no mirror is named 'default'"));
        }

        return result.ToImmutable();
    }

    private static string? CheckBlobUrl(string? blobUrl)
    {
        if (string.IsNullOrWhiteSpace(blobUrl))
        {
            return "is required";
        }

        var first = blobUrl.IndexOf(MirrorSettings.DigestPlaceholder, StringComparison.Ordinal);
        if (first < 0 || blobUrl.IndexOf(MirrorSettings.DigestPlaceholder, first + 1, StringComparison.Ordinal) >= 0)
        {
            return $"must contain {MirrorSettings.DigestPlaceholder} exactly once";
        }

        var sample = blobUrl.Replace(MirrorSettings.DigestPlaceholder, "sha256:0", StringComparison.Ordinal);
        var why = CheckHttpUrl(sample, allowQuery: true);
        if (why is not null)
        {
            return why;
        }

        var uri = new Uri(sample);
        return uri.AbsolutePath.Contains("sha256:0", StringComparison.Ordinal) || uri.Query.Contains("sha256:0", StringComparison.Ordinal)
            ? null
            : $"{MirrorSettings.DigestPlaceholder} must be in the path or query, not the host";
    }

    /// <summary>Continent codes of the ISO 3166 / GeoNames convention.</summary>
    private static readonly string[] ContinentCodes = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"];

    private static ImmutableArray<RuleSettings> ReadRules(
        IConfigurationSection section,
        ImmutableArray<MirrorSettings> mirrors,
        ImmutableArray<RangeSourceSettings> ranges,
        UpstreamSettings? defaultUpstream,
        ImmutableArray<UpstreamSettings> upstreams,
        List<Candidate> upstreamCandidates,
        List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<RuleSettings>();
        string? catchAll = null;
        foreach (var rule in section.GetChildren())
        {
            CheckKnownKeys(rule, ["Match", "Mirrors", "Split", "Upstream"], e);
            var match = rule.GetSection("Match");
            var errorsBefore = e.Count;
            CheckKnownKeys(match, ["Cloud", "Regions", "Countries", "Continents", "Asns"], e);
            var cloud = match["Cloud"];
            cloud = string.IsNullOrWhiteSpace(cloud) ? null : cloud;
            var regions = ReadStrings(match.GetSection("Regions"), e);
            if (cloud is not null && !ranges.Any(r => string.Equals(r.Cloud, cloud, StringComparison.OrdinalIgnoreCase)))
            {
                e.Add(new(match.Path + ":Cloud", $"no Ranges source defines cloud '{cloud}', so this rule could never match"));
            }

            if (regions.Length > 0 && cloud is null)
            {
                e.Add(new(match.Path + ":Regions", "needs Match:Cloud (region names are only unique within a cloud)"));
            }

            var countries = ReadCodes(match.GetSection("Countries"), e, c => c.Length == 2 && c.All(char.IsAsciiLetter), "an ISO 3166-1 alpha-2 country code (e.g. NL)");
            var continents = ReadCodes(match.GetSection("Continents"), e, c => ContinentCodes.Contains(c), "a continent code (AF, AN, AS, EU, NA, OC, SA)");
            var asns = ReadAsns(match.GetSection("Asns"), e);
            var matchValid = e.Count == errorsBefore;

            UpstreamSettings? ruleUpstream = null;
            if (rule["Upstream"] is { Length: > 0 } upstreamName && !string.Equals(upstreamName, "default", StringComparison.OrdinalIgnoreCase))
            {
                ruleUpstream = upstreams.FirstOrDefault(u => string.Equals(u.Name, upstreamName, StringComparison.OrdinalIgnoreCase));
                if (ruleUpstream is null)
                {
                    e.Add(new(rule.Path + ":Upstream", $"no upstream is named '{upstreamName}' (see Archeio:Upstreams)"));
                }
            }

            // "upstream" and "signature-upstream" in a list: this rule's upstream, checked like a mirror.
            Candidate? Resolve(IConfigurationSection name)
                => name.Value?.ToLowerInvariant() is "upstream" or "signature-upstream"
                    ? UpstreamCandidate(name, ruleUpstream ?? defaultUpstream, defaultUpstream, mirrors.Length, upstreamCandidates, e)
                    : FindMirror(mirrors, name, e);

            var ruleMirrors = ImmutableArray.CreateBuilder<Candidate>();
            foreach (var name in rule.GetSection("Mirrors").GetChildren())
            {
                if (Resolve(name) is { } mirror)
                {
                    ruleMirrors.Add(mirror);
                }
            }

            var split = ReadSplit(rule.GetSection("Split"), Resolve, e);

            var settings = new RuleSettings(cloud, regions, ruleMirrors.ToImmutable())
            {
                Index = result.Count,
                Countries = countries,
                Continents = continents,
                Asns = asns,
                Split = split,
                Upstream = ruleUpstream,
            };

            // A rule after a catch-all could never be reached: almost certainly a mistake in the order.
            if (catchAll is not null)
            {
                e.Add(new(rule.Path, $"unreachable: {catchAll} matches every client, so later rules are never tried"));
            }
            else if (settings.IsCatchAll && matchValid)
            {
                catchAll = rule.Path;
            }

            result.Add(settings);
        }

        return result.ToImmutable();
    }

    private static MirrorSettings? FindMirror(ImmutableArray<MirrorSettings> mirrors, IConfigurationSection name, List<ConfigurationError> e)
    {
        var mirror = mirrors.FirstOrDefault(m => string.Equals(m.Name, name.Value, StringComparison.OrdinalIgnoreCase));
        if (mirror is null)
        {
            e.Add(new(name.Path, $"no mirror is named '{name.Value}'"));
        }

        return mirror;
    }

    private static Candidate? UpstreamCandidate(
        IConfigurationSection name,
        UpstreamSettings? upstream,
        UpstreamSettings? defaultUpstream,
        int firstIndex,
        List<Candidate> candidates,
        List<ConfigurationError> e)
    {
        if (upstream is null)
        {
            return null;
        }

        var signature = string.Equals(name.Value, "signature-upstream", StringComparison.OrdinalIgnoreCase);
        if (signature && upstream.SignaturePrefix is null)
        {
            // Signatures live in the canonical registry: fall back to Archeio:Upstream's signature endpoint.
            upstream = defaultUpstream?.SignaturePrefix is not null ? defaultUpstream : null;
            if (upstream is null)
            {
                e.Add(new(name.Path, "'signature-upstream' needs Upstream:SignatureEndpoint"));
                return null;
            }
        }

        var index = firstIndex + candidates.Count;
        Candidate candidate = signature ? new SignatureUpstreamCandidate(upstream, index) : new UpstreamCandidate(upstream, index);
        var known = candidates.Find(c => c.Name == candidate.Name);
        if (known is not null)
        {
            return known;
        }

        candidates.Add(candidate);
        return candidate;
    }

    private static ImmutableArray<SplitSettings> ReadSplit(IConfigurationSection section, Func<IConfigurationSection, Candidate?> resolve, List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<SplitSettings>();
        var total = 0;
        foreach (var share in section.GetChildren())
        {
            CheckKnownKeys(share, ["Mirror", "Percent"], e);
            var mirror = resolve(share.GetSection("Mirror"));
            var percent = ReadInt(share, "Percent", -1, 0, 100, e);
            if (percent < 0 && share["Percent"] is null)
            {
                e.Add(new(share.Path + ":Percent", "is required (0 to 100)"));
            }

            if (mirror is not null && percent >= 0)
            {
                total += percent;
                result.Add(new SplitSettings(mirror, percent));
            }
        }

        if (total > 100)
        {
            e.Add(new(section.Path, $"the shares add up to {total}%, more than 100%"));
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<string> ReadStrings(IConfigurationSection section, List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var item in section.GetChildren())
        {
            if (string.IsNullOrWhiteSpace(item.Value))
            {
                e.Add(new(item.Path, "is empty"));
            }
            else
            {
                result.Add(item.Value.Trim());
            }
        }

        return result.ToImmutable();
    }

    private static ImmutableArray<string> ReadCodes(IConfigurationSection section, List<ConfigurationError> e, Func<string, bool> valid, string what)
    {
        var result = ImmutableArray.CreateBuilder<string>();
        foreach (var item in section.GetChildren())
        {
            var code = item.Value?.Trim().ToUpperInvariant() ?? string.Empty;
            if (valid(code))
            {
                result.Add(code);
            }
            else
            {
                e.Add(new(item.Path, $"'{item.Value}' is not {what}"));
            }
        }

        return result.ToImmutable();
    }

    /// <summary>ASNs as numbers or in the <c>AS64496</c> form; 32-bit (RFC 6793).</summary>
    private static ImmutableArray<uint> ReadAsns(IConfigurationSection section, List<ConfigurationError> e)
    {
        var result = ImmutableArray.CreateBuilder<uint>();
        foreach (var item in section.GetChildren())
        {
            var text = item.Value?.Trim() ?? string.Empty;
            if (text.StartsWith("AS", StringComparison.OrdinalIgnoreCase))
            {
                text = text[2..];
            }

            if (text.Length > 0 && text.All(char.IsAsciiDigit) && uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var asn) && asn > 0)
            {
                result.Add(asn);
            }
            else
            {
                e.Add(new(item.Path, $"'{item.Value}' is not an AS number (e.g. 3333 or AS3333)"));
            }
        }

        return result.ToImmutable();
    }

    private static string? ReadRepositoryPath(IConfigurationSection section, string key, List<ConfigurationError> e)
    {
        var value = section[key];
        if (value is null)
        {
            return null;
        }

        value = value.Trim('/');
        if (value.Length > 0 && !OciGrammar.IsName(value))
        {
            e.Add(new(section.GetSection(key).Path, $"'{value}' is not a repository path of the OCI name grammar"));
        }

        return value;
    }

    private static string? ReadUrl(IConfigurationSection section, string key, bool required, bool allowQuery, List<ConfigurationError> e)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                e.Add(new(section.GetSection(key).Path, "is required"));
            }

            return null;
        }

        var why = CheckHttpUrl(value, allowQuery);
        if (why is not null)
        {
            e.Add(new(section.GetSection(key).Path, why));
            return null;
        }

        return allowQuery ? value : value.TrimEnd('/');
    }

    private static string? CheckHttpUrl(string value, bool allowQuery)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return $"'{value}' is not an absolute http(s) URL";
        }

        if (uri.UserInfo.Length > 0)
        {
            return $"'{value}' may not contain user information";
        }

        if (uri.Fragment.Length > 0 || (!allowQuery && uri.Query.Length > 0))
        {
            return $"'{value}' may not contain a {(uri.Fragment.Length > 0 ? "fragment" : "query")}";
        }

        return null;
    }

    private static int ReadInt(IConfigurationSection section, string key, int fallback, int min, int max, List<ConfigurationError> e)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result) || result < min || result > max)
        {
            e.Add(new(section.GetSection(key).Path, $"'{value}' is not an integer from {min} to {max}"));
            return fallback;
        }

        return result;
    }

    private static TimeSpan ReadTimeSpan(IConfigurationSection section, string key, TimeSpan fallback, TimeSpan max, List<ConfigurationError> e, bool allowZero = false)
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        if (!TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result) || result < TimeSpan.Zero || (result == TimeSpan.Zero && !allowZero) || result > max)
        {
            e.Add(new(section.GetSection(key).Path, $"'{value}' is not a duration (hh:mm:ss) {(allowZero ? "from zero" : "above zero")} and at most {max:c}"));
            return fallback;
        }

        return result;
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

    private static void CheckKnownKeys(IConfigurationSection section, string[] known, List<ConfigurationError> e)
    {
        foreach (var child in section.GetChildren())
        {
            if (!known.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                e.Add(new(child.Path, $"unknown setting (known here: {string.Join(", ", known)})"));
            }
        }
    }
}
