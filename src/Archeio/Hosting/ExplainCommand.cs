using Archeio.Blobs.SharedStore;
using System.Collections;
using System.Globalization;
using Archeio.Blobs;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.Probes;
using Archeio.Clients;
using Archeio.Configuration;
using Archeio.Geo;
using Archeio.Ranges.Loading;
using Archeio.Ranges.Table;
using Archeio.RateLimiting;
using Archeio.Requests;
using Archeio.Routing;
using Archeio.Upstreams;
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
            await error.WriteLineAsync($"archeio explain: '{path}' is not a valid API path: {target.Error!.Value.WireName()} ({target.ErrorMessage})");
            return 2;
        }

        if (await CommandSettings.ReadAsync("archeio explain", commandLine.ConfigFile, environment, error) is not { } settings)
        {
            return 2;
        }

        using var services = BuildServices(settings);
        services.GetRequiredService<IpRangeTableHolder>().Replace(
            await LoadRangesAsync(settings, commandLine.Check, services.GetRequiredService<IHttpClientFactory>(), output));

        // The server's own routing: the client is the connection's peer, with no X-Forwarded-For.
        var checks = new List<string>();
        var routing = RoutingOf(services, new ReportingPresence(services.GetRequiredService<IBlobPresence>(), checks));
        var facts = routing.Gather(HttpMethods.Get, path, address, default);
        var geo = services.GetRequiredService<GeoLookup>();
        var geoFacts = facts.Geo ?? geo.Lookup(address);
        var location = facts.Client.Location;

        await output.WriteLineAsync($"client {address}");
        await output.WriteLineAsync($"  cloud: {location?.Cloud ?? "none"}, region: {(location?.Region is { Length: > 0 } r ? r : "-")}");
        await output.WriteLineAsync(geo.HasCountryDatabase
            ? $"  country: {geoFacts.Country ?? "unknown"}, continent: {geoFacts.Continent ?? "unknown"}"
            : "  country, continent: unknown (no Geo:CountryDatabase)");
        await output.WriteLineAsync(geo.HasAsnDatabase
            ? $"  asn: {(geoFacts.Asn is { } asn ? "AS" + asn.ToString(CultureInfo.InvariantCulture) : "unknown")}"
            : "  asn: unknown (no Geo:AsnDatabase)");
        await output.WriteLineAsync($"request GET {path} ({target.Kind})");

        var router = services.GetRequiredService<Router>();
        var rule = router.MatchRule(facts.Client);
        await DescribeRulesAsync(settings, rule, output);
        await DescribeRateLimitAsync(settings, facts.Client, address, output);
        var upstreams = router.UpstreamsFor(rule);
        facts = facts with { Upstreams = await DescribeUpstreamsAsync(upstreams, commandLine.Check ? services.GetRequiredService<UpstreamProber>() : null, settings.UpstreamHealth, output) };
        var answer = routing.Plan(facts);
        if (answer is BlobPlan plan)
        {
            await output.WriteLineAsync("candidates, in order:");
            for (var i = 0; i < plan.Candidates.Length; i++)
            {
                var candidate = plan.Candidates[i];
                await output.WriteLineAsync($"  {i + 1}. {candidate.Name}: {candidate.CheckUrl(target.Name, target.Reference)}");
            }

            if (!commandLine.Check)
            {
                var otherwise = plan.AnswerFor(null, target, facts.Upstreams);
                await output.WriteLineAsync(otherwise is Proxy proxied
                    ? $"proxy: from the first candidate that holds the blob, else from {proxied.Sources[0].Url}"
                    : $"redirect: to the first candidate that holds the blob, else {((Redirect)otherwise).Location}");
                await output.WriteLineAsync("  (run with --check to probe and HEAD the candidates)");
                return 0;
            }

            await ProbeAsync(plan, services.GetRequiredService<ProbeService>(), output);
        }

        var decision = await routing.Decide(facts, answer, CancellationToken.None);
        foreach (var line in checks)
        {
            await output.WriteLineAsync(line);
        }

        await output.WriteLineAsync(Describe(decision));
        return 0;
    }

    /// <summary>The last line of an explanation: the answer the server gives.</summary>
    internal static string Describe(RouteDecision decision) => decision switch
    {
        Redirect redirect => $"redirect: 307 {redirect.Location}",
        Proxy proxy => $"proxy: the content from {string.Join(", else ", proxy.Sources.Select(s => $"{s.Url} ({s.Label})"))}",
        ApiVersion => "answer: 200 (API version check)",
        OciError oci => $"answer: {oci.Status} {oci.Code.WireName()} {oci.Message}",
        PageNotFound notFound => $"answer: 404 {notFound.Message}",
        ClientAddressUnknown unknown => $"answer: 400 {unknown.Message}",
        MethodNotAllowed refused => $"answer: 405 {refused.Message}",
        _ => "answer: none (" + decision.GetType().Name + ")",
    };

    /// <summary>
    /// Probes each candidate mirror that has a probe once, as the server's <see cref="ProbeService"/> does, and prints
    /// every check; a mirror that fails is out of rotation for the decision that follows, as it would be in the server.
    /// </summary>
    private static async Task ProbeAsync(BlobPlan plan, ProbeService probes, TextWriter output)
    {
        var mirrors = plan.Candidates.OfType<MirrorSettings>().ToList();
        if (mirrors.Count == 0)
        {
            return;
        }

        await output.WriteLineAsync("probes:");
        foreach (var mirror in mirrors)
        {
            if (mirror.Probe is null)
            {
                await output.WriteLineAsync($"  {mirror.Name}: no probe (Mirrors:{mirror.Index}:Probe is not set)");
                continue;
            }

            var report = await probes.ProbeOnceAsync(mirror, CancellationToken.None);
            await output.WriteLineAsync(report.Passed
                ? $"  {mirror.Name} ({mirror.Probe}): pass, {report.Elapsed.TotalMilliseconds:F0} ms"
                : $"  {mirror.Name} ({mirror.Probe}): FAIL, out of rotation ({report.FailureReason})");
            foreach (var check in report.Checks)
            {
                await output.WriteLineAsync("    " + check);
            }
        }
    }

    /// <summary>The server's <see cref="RequestRouter"/>, with its checks seen by <paramref name="presence"/>.</summary>
    private static RequestRouter RoutingOf(ServiceProvider services, IBlobPresence presence) => new(
        services.GetRequiredService<Router>(),
        services.GetRequiredService<ClientIpResolver>(),
        services.GetRequiredService<IpRangeTableHolder>(),
        services.GetRequiredService<GeoLookup>(),
        presence,
        services.GetRequiredService<UpstreamHealthBoard>(),
        services.GetRequiredService<ArcheioSettings>(),
        services.GetRequiredService<TimeProvider>());

    /// <summary>Which rate limit the client's requests count against (RateLimiting/RateLimitPolicy.cs), when limits are configured.</summary>
    private static async Task DescribeRateLimitAsync(ArcheioSettings settings, ClientFacts client, System.Net.IPAddress peer, TextWriter output)
    {
        if (settings.RateLimits.IsEmpty)
        {
            return;
        }

        var policy = new RateLimitPolicy(settings);
        if (policy.TryChoose(client, peer, out var limit, out var key))
        {
            await output.WriteLineAsync(string.Create(
                CultureInfo.InvariantCulture,
                $"rate limit '{limit.Name}' applies ({ClientMatch.InWords(limit.Match)}): {limit.PermitsPerMinute} a minute, burst {limit.Burst}, counted for {key}{(limit.Shared ? " across replicas (Redis)" : "")}"));
        }
        else
        {
            await output.WriteLineAsync(policy.IsExempt(client.Address ?? peer, client.Geo?.Asn)
                ? "rate limit: none (exempt: RateLimitExempt)"
                : $"rate limit: none of the {settings.RateLimits.Length} limits fits");
        }
    }

    private static async Task DescribeRulesAsync(ArcheioSettings settings, RuleSettings? fitting, TextWriter output)
    {
        if (fitting is null)
        {
            await output.WriteLineAsync($"rule: none of the {settings.Rules.Length} rules fits: blobs go to the upstream");
            return;
        }

        await output.WriteLineAsync($"rule {fitting.Index} fits ({fitting.MatchInWords}{(fitting.Action == RuleAction.Proxy ? "; proxies: Archeio fetches the content" : "")}); {fitting.Index} earlier rule(s) did not");

        foreach (var share in fitting.Split)
        {
            await output.WriteLineAsync($"  split: {share.Percent}% of clients try {share.Candidate.Name} first");
        }
    }

    /// <summary>
    /// The failover list the request's upstream is picked from, in order. With a prober (<c>--check</c>) each is probed
    /// once, as the server's health service does, and one that fails counts as ejected for the decision that follows
    /// (the server ejects after <c>FailAfter</c> failures in a row); without, all are assumed healthy.
    /// </summary>
    private static async Task<UpstreamHealthView> DescribeUpstreamsAsync(
        IReadOnlyList<UpstreamSettings> upstreams, UpstreamProber? prober, UpstreamHealthSettings health, TextWriter output)
    {
        await output.WriteLineAsync(upstreams.Count == 1
            ? $"upstream: {upstreams[0].Name} ({upstreams[0].Prefix}), the only one of its list"
            : "upstreams, the first healthy one is used:");
        if (upstreams.Count > 1)
        {
            for (var i = 0; i < upstreams.Count; i++)
            {
                await output.WriteLineAsync($"  {i + 1}. {upstreams[i].Name}: {upstreams[i].Prefix}");
            }
        }

        var view = UpstreamHealthView.AllHealthy;
        if (prober is null)
        {
            if (upstreams.Count > 1)
            {
                await output.WriteLineAsync("  (assumed healthy; run with --check to probe them)");
            }

            return view;
        }

        await output.WriteLineAsync($"upstream probes (the server ejects after {health.FailAfter} failures in a row; here one counts):");
        foreach (var upstream in upstreams)
        {
            var report = await prober.ProbeAsync(upstream, CancellationToken.None);
            await output.WriteLineAsync(report.Passed
                ? $"  {upstream.Name}: pass, {report.Elapsed.TotalMilliseconds:F0} ms ({report.Detail})"
                : $"  {upstream.Name}: FAIL, ejected ({report.FailureReason})");
            if (!report.Passed)
            {
                view = view.With(upstream, ejected: true);
            }
        }

        if (upstreams.All(view.IsEjected))
        {
            await output.WriteLineAsync($"  every upstream failed: the first, {upstreams[0].Name}, is used (fail static)");
        }

        return view;
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
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
        services.AddSingleton<MirrorInventories>();
        // No shared cache: an explanation asks the candidates themselves.
        services.AddSingleton<IBlobResultStore>(NullBlobResultStore.Instance);
        services.AddHttpClient(RangeLoadingService.HttpClientName);
        ArcheioHost.AddRouting(services);
        // The server's prober and its rotation rules (the hosted service itself is never started here).
        ProbeService.AddTo(services);
        UpstreamProber.AddTo(services);
        return services.BuildServiceProvider();
    }

    /// <summary>Writes down each check's answer, for the explanation.</summary>
    private sealed class ReportingPresence(IBlobPresence inner, List<string> lines) : IBlobPresence
    {
        public async ValueTask<bool> ExistsAsync(Candidate mirror, string name, string digest, CancellationToken budget)
        {
            var present = await inner.ExistsAsync(mirror, name, digest, budget);
            lines.Add($"  HEAD {mirror.Name}: {(present ? "present" : "absent or unreachable")}");
            return present;
        }

        public bool TryGetKnown(Candidate mirror, string name, string digest, out bool present)
        {
            var known = inner.TryGetKnown(mirror, name, digest, out present);
            if (known)
            {
                lines.Add($"  known {mirror.Name}: {(present ? "present" : "absent")}");
            }

            return known;
        }
    }
}
