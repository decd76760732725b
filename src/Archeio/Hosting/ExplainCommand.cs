using System.Collections;
using System.Globalization;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Table;
using Archeio.Requests;
using Archeio.Routing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Archeio.Hosting;

/// <summary>
/// <c>archeio explain &lt;ip&gt; [&lt;path&gt;] [--config f] [--check]</c>: why a client goes where it goes, with the
/// server's own configuration, range parsers and router. Everything but <c>--check</c> works offline (range
/// sources given as URLs are then not loaded, and said so).
/// </summary>
internal static class ExplainCommand
{
    private const string DefaultPath = "/v2/example/blobs/sha256:0000000000000000000000000000000000000000000000000000000000000000";

    public static async Task<int> RunAsync(CommandLine commandLine, IDictionary environment, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        if (!IpAddressParser.TryParse(commandLine.ExplainAddress, out var address))
        {
            await error.WriteLineAsync($"archeio explain: '{commandLine.ExplainAddress}' is not an IP address");
            return 2;
        }

        var path = commandLine.ExplainPath ?? DefaultPath;
        var target = RequestTargetParser.Parse(path);
        if (target.Kind == RequestKind.Invalid)
        {
            await error.WriteLineAsync($"archeio explain: '{path}' is not a valid API path: {RegistryHandler.CodeOf(target.Error!.Value)} ({target.ErrorMessage})");
            return 2;
        }

        ArcheioSettings settings;
        try
        {
            settings = ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddArcheioSources(commandLine.ConfigFile, environment).Build());
        }
        catch (Exception ex) when (ex is InvalidConfigurationException or InvalidDataException or FormatException)
        {
            await error.WriteLineAsync("archeio explain: " + ex.Message);
            return 2;
        }

        using var services = BuildServices(settings);
        var table = await LoadRangesAsync(settings, commandLine.Check, services.GetRequiredService<IHttpClientFactory>(), output);
        table.TryLookup(address, out var location);
        var geo = services.GetRequiredService<GeoLookup>();
        var facts = geo.Lookup(address);
        var client = new ClientFacts(address, null, location, facts);

        await output.WriteLineAsync($"client {address}");
        await output.WriteLineAsync($"  cloud: {location?.Cloud ?? "none"}, region: {(location?.Region is { Length: > 0 } r ? r : "-")}");
        await output.WriteLineAsync(geo.HasCountryDatabase
            ? $"  country: {facts.Country ?? "unknown"}, continent: {facts.Continent ?? "unknown"}"
            : "  country, continent: unknown (no Geo:CountryDatabase)");
        await output.WriteLineAsync(geo.HasAsnDatabase
            ? $"  asn: {(facts.Asn is { } asn ? "AS" + asn.ToString(CultureInfo.InvariantCulture) : "unknown")}"
            : "  asn: unknown (no Geo:AsnDatabase)");
        await output.WriteLineAsync($"request GET {path} ({target.Kind})");

        var router = new Router(settings);
        var rule = router.MatchRule(client);
        await DescribeRulesAsync(settings, rule, output);
        var request = new RequestFacts("GET", target);
        var decision = router.Decide(request, client, MirrorState.Unchecked);
        if (decision.Kind == DecisionKind.CheckMirrors)
        {
            await output.WriteLineAsync("candidates, in order:");
            for (var i = 0; i < decision.Candidates.Length; i++)
            {
                var candidate = decision.Candidates[i];
                await output.WriteLineAsync($"  {i + 1}. {candidate.Name}: {candidate.UrlFor(target.Name, target.Reference)}");
            }

            if (!commandLine.Check)
            {
                var fallback = router.Decide(request, client, MirrorState.HeldBy(null));
                await output.WriteLineAsync($"redirect: to the first candidate that holds the blob, else {fallback.Location}");
                await output.WriteLineAsync("  (run with --check to HEAD the candidates)");
                return 0;
            }

            var checker = services.GetRequiredService<BlobChecker>();
            MirrorSettings? holder = null;
            foreach (var candidate in decision.Candidates)
            {
                var present = await checker.ExistsAsync(candidate, target.Name, target.Reference, CancellationToken.None);
                await output.WriteLineAsync($"  HEAD {candidate.Name}: {(present ? "present" : "absent or unreachable")}");
                if (present)
                {
                    holder = candidate;
                    break;
                }
            }

            decision = router.Decide(request, client, MirrorState.HeldBy(holder));
        }

        await output.WriteLineAsync(decision.Kind == DecisionKind.Redirect
            ? $"redirect: 307 {decision.Location}"
            : $"answer: {decision.Kind} {decision.Message}");
        return 0;
    }

    private static async Task DescribeRulesAsync(ArcheioSettings settings, RuleSettings? fitting, TextWriter output)
    {
        if (fitting is null)
        {
            await output.WriteLineAsync($"rule: none of the {settings.Rules.Length} rules fits: blobs go to the upstream");
            return;
        }

        await output.WriteLineAsync($"rule {fitting.Index} fits ({Describe(fitting)}); {fitting.Index} earlier rule(s) did not");
        if (fitting.Upstream is { } upstream)
        {
            await output.WriteLineAsync($"  upstream: {upstream.Name} ({upstream.Prefix})");
        }

        foreach (var share in fitting.Split)
        {
            await output.WriteLineAsync($"  split: {share.Percent}% of clients try {share.Mirror.Name} first");
        }
    }

    /// <summary>A rule's match as text, e.g. <c>Cloud=AWS Regions=eu-west-3</c>.</summary>
    internal static string Describe(RuleSettings rule)
    {
        var parts = new List<string>();
        if (rule.Cloud is { } cloud)
        {
            parts.Add("Cloud=" + cloud);
        }

        AddList(parts, "Regions", rule.Regions);
        AddList(parts, "Countries", rule.Countries);
        AddList(parts, "Continents", rule.Continents);
        AddList(parts, "Asns", [.. rule.Asns.Select(a => a.ToString(CultureInfo.InvariantCulture))]);
        return parts.Count == 0 ? "matches every client" : "Match " + string.Join(' ', parts);

        static void AddList(List<string> parts, string name, IReadOnlyCollection<string> values)
        {
            if (values.Count > 0)
            {
                parts.Add(name + "=" + string.Join(',', values));
            }
        }
    }

    private static async Task<IpRangeTable> LoadRangesAsync(ArcheioSettings settings, bool online, IHttpClientFactory http, TextWriter output)
    {
        var prefixes = new List<CloudPrefix>();
        var client = http.CreateClient(RangeLoadingService.HttpClientName);
        foreach (var source in settings.Ranges)
        {
            if (source.IsUrl && !online)
            {
                await output.WriteLineAsync($"note: {source.Cloud} ranges not loaded ({source.Source} is a URL; --check fetches it)");
                continue;
            }

            // The server's own loader, so that explain sees exactly what the server would.
            var (loaded, why) = await RangeLoadingService.LoadSourceAsync(source, client, settings.RangesRefresh.FetchTimeout, TimeProvider.System, CancellationToken.None);
            if (loaded is null)
            {
                await output.WriteLineAsync($"note: {source.Cloud} ranges not loaded from {source.Source}: {why}");
                continue;
            }

            prefixes.AddRange(loaded);
        }

        return IpRangeTable.Build(prefixes);
    }

    private static ServiceProvider BuildServices(ArcheioSettings settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton(settings);
        services.AddSingleton(settings.Geo);
        services.AddSingleton<GeoLookup>();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<MirrorInventories>();
        services.AddSingleton<IBlobResultStore>(NullBlobResultStore.Instance);
        services.AddSingleton<BlobCheckCounters>();
        services.AddSingleton<BlobChecker>();
        services.AddHttpClient(RangeLoadingService.HttpClientName);
        BlobChecker.AddHttpClient(services);
        return services.BuildServiceProvider();
    }
}
