using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archeio.TestBed;

namespace Archeio.Tests.Deploy;

/// <summary>
/// deploy/grafana/archeio.json against the metrics contract: it queries only the contract's metrics, every one
/// of them, and scripts/render-dashboard.py can draw every panel from scrapes in that contract.
/// </summary>
public sealed partial class DashboardTests
{
    /// <summary>The metric names of the contract (metrics being implemented in src/Archeio/Metrics).</summary>
    public static readonly IReadOnlyDictionary<string, string> Contract = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["archeio_requests_total"] = "counter",
        ["archeio_request_duration_seconds"] = "histogram",
        ["archeio_client_requests_total"] = "counter",
        ["archeio_blob_check_heads_total"] = "counter",
        ["archeio_blob_check_head_bytes_total"] = "counter",
        ["archeio_blob_cache_hits_total"] = "counter",
        ["archeio_blob_cache_misses_total"] = "counter",
        ["archeio_blob_cache_evictions_total"] = "counter",
        ["archeio_blob_cache_entries"] = "gauge",
        ["archeio_blob_check_coalesced_total"] = "counter",
        ["archeio_blob_check_breaker_state"] = "gauge",
        ["archeio_inventory_digests"] = "gauge",
        ["archeio_range_prefixes"] = "gauge",
        ["archeio_range_data_age_seconds"] = "gauge",
        ["archeio_range_refresh_failures_total"] = "counter",
        ["archeio_ready"] = "gauge",
        ["archeio_redirected_bytes_total"] = "counter",
        ["archeio_redirects_unknown_size_total"] = "counter",
        ["archeio_proxied_bytes_total"] = "counter",
        ["archeio_estimated_egress_cost_total"] = "counter",
    };

    /// <summary>PromQL words that are not metric names.</summary>
    private static readonly HashSet<string> PromQlWords = new(StringComparer.Ordinal)
    {
        "sum", "max", "min", "avg", "count", "topk", "bottomk", "rate", "irate", "increase", "histogram_quantile", "label_replace",
        "scalar", "vector", "clamp_min", "clamp_max", "abs", "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    };

    private static readonly string[] HistogramSuffixes = ["_bucket", "_sum", "_count"];

    private static string DashboardPath => Path.Combine(Tools.RepositoryRoot, "deploy", "grafana", "archeio.json");

    private static JsonObject Dashboard => JsonNode.Parse(File.ReadAllText(DashboardPath))!.AsObject();

    private static IEnumerable<JsonObject> Panels => Dashboard["panels"]!.AsArray().Select(p => p!.AsObject()).Where(p => (string?)p["type"] != "row");

    private static IEnumerable<(string Panel, string Expr)> Expressions
        => Panels.SelectMany(p => p["targets"]!.AsArray().Select(t => ((string)p["title"]!, (string)t!["expr"]!)));

    public static TheoryData<string> ContractMetrics => [.. Contract.Keys];

    [Fact]
    public void The_dashboard_is_a_grafana_dashboard_over_a_prometheus_datasource_input()
    {
        var dashboard = Dashboard;
        Assert.InRange((int)dashboard["schemaVersion"]!, 36, 41);
        var input = Assert.Single(dashboard["__inputs"]!.AsArray());
        Assert.Equal("DS_PROMETHEUS", (string?)input!["name"]);
        Assert.Equal("prometheus", (string?)input["pluginId"]);
        Assert.All(Panels, p =>
        {
            Assert.Equal("${DS_PROMETHEUS}", (string?)p["datasource"]?["uid"]);
            Assert.NotEmpty(p["targets"]!.AsArray());
            var grid = p["gridPos"]!;
            Assert.InRange((int)grid["x"]! + (int)grid["w"]!, 1, 24);
        });
        Assert.Equal(Panels.Count(), Panels.Select(p => (string)p["title"]!).Distinct().Count());
        Assert.Equal(dashboard["panels"]!.AsArray().Count, dashboard["panels"]!.AsArray().Select(p => (int)p!["id"]!).Distinct().Count());
    }

    [Fact]
    public void Every_expression_names_only_contract_metrics()
    {
        Assert.All(Expressions, e =>
        {
            var unknown = MetricNames(e.Expr).Where(m => !Contract.ContainsKey(m)).ToList();
            Assert.True(unknown.Count == 0, $"{e.Panel}: {string.Join(", ", unknown)} not in the contract: {e.Expr}");
        });
    }

    [Theory]
    [MemberData(nameof(ContractMetrics))]
    public void Every_contract_metric_is_on_some_panel(string metric)
        => Assert.Contains(Expressions, e => MetricNames(e.Expr).Contains(metric));

    [Fact]
    public void Counters_are_only_used_through_rate_or_increase_and_histograms_through_their_buckets()
    {
        foreach (var (_, expr) in Expressions)
        {
            foreach (Match m in MetricPattern().Matches(Strip(expr)))
            {
                var name = m.Value;
                if (Contract.TryGetValue(name, out var type) && type == "counter")
                {
                    Assert.Matches(@"(rate|increase)\(\s*" + name, expr);
                }

                if (name.StartsWith("archeio_request_duration_seconds", StringComparison.Ordinal))
                {
                    Assert.Equal("archeio_request_duration_seconds_bucket", name);
                    Assert.Contains("histogram_quantile", expr, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void The_offload_estimate_is_mirror_redirects_times_the_average_present_head_size()
    {
        var expr = Assert.Single(Expressions, e => e.Panel == "Estimated bytes offloaded by mirror").Expr;
        Assert.Contains("decision=~\"mirror:.+\"", expr, StringComparison.Ordinal);
        Assert.Contains("rate(archeio_blob_check_head_bytes_total", expr, StringComparison.Ordinal);
        Assert.Contains("rate(archeio_blob_check_heads_total{outcome=\"present\"}", expr, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sample_scrapes_follow_the_contract()
    {
        foreach (var file in SampleScrapes)
        {
            var names = File.ReadAllLines(file).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => MetricPattern().Match(l).Value).ToHashSet();
            Assert.All(names, n => Assert.True(Contract.ContainsKey(BaseName(n)), $"{Path.GetFileName(file)}: {n} is not in the contract"));
            Assert.Equal(Contract.Keys.Order(StringComparer.Ordinal), names.Select(BaseName).Distinct().Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Bytes_per_target_is_a_rate_and_the_cost_an_increase_over_the_range_both_by_target_and_kind()
    {
        var bytes = Assert.Single(Panels, p => (string)p["title"]! == "Bytes per target");
        Assert.Equal("Bps", (string?)bytes["fieldConfig"]!["defaults"]!["unit"]);
        var exprs = bytes["targets"]!.AsArray().Select(t => (string)t!["expr"]!).ToList();
        Assert.Contains("sum by (kind, target) (rate(archeio_redirected_bytes_total[$__rate_interval]))", exprs);
        Assert.Contains("sum by (source) (rate(archeio_proxied_bytes_total[$__rate_interval]))", exprs);

        var cost = Assert.Single(Expressions, e => e.Panel == "Estimated cost per target").Expr;
        Assert.Equal("sum by (kind, target) (increase(archeio_estimated_egress_cost_total[$__range]))", cost);
        Assert.Contains(Expressions, e => e.Panel == "Redirects of unknown size by target" && e.Expr.Contains("rate(archeio_redirects_unknown_size_total", StringComparison.Ordinal));
    }

    [Fact]
    public void The_contracts_egress_names_are_the_servers()
    {
        Assert.Contains(Archeio.Metrics.EgressMetrics.RedirectedBytesName, Contract.Keys);
        Assert.Contains(Archeio.Metrics.EgressMetrics.UnknownSizeName, Contract.Keys);
        Assert.Contains(Archeio.Metrics.EgressMetrics.CostName, Contract.Keys);
        Assert.Contains(Archeio.Metrics.ProxyMetrics.BytesName, Contract.Keys);
    }

    /// <summary>The renderer (python3, standard library only) draws every panel of the dashboard from the sample, with data.</summary>
    [Fact]
    public async Task The_renderer_draws_every_panel_from_the_sample_scrapes()
    {
        using var temp = new TempDirectory("dashboard");
        var html = temp.Combine("dashboard.html");
        var result = await Commands.RunAsync(
            "python3",
            [Path.Combine(Tools.RepositoryRoot, "scripts", "render-dashboard.py"), "--no-png", "--html", html, .. SampleScrapes],
            TimeSpan.FromMinutes(1));
        result.EnsureSuccess();
        var page = await File.ReadAllTextAsync(html);
        Assert.All(Panels, p => Assert.Contains(">" + System.Net.WebUtility.HtmlEncode((string)p["title"]!) + "</h2>", page, StringComparison.Ordinal));
        Assert.DoesNotContain("No data", page, StringComparison.Ordinal);
        // Offline: nothing is loaded from anywhere.
        Assert.DoesNotContain("http://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
    }

    private static IEnumerable<string> SampleScrapes
        => Directory.EnumerateFiles(Path.Combine(Tools.RepositoryRoot, "deploy", "grafana", "sample"), "scrape-*.prom").Order(StringComparer.Ordinal);

    private static string BaseName(string name)
        => HistogramSuffixes.Where(s => name.EndsWith(s, StringComparison.Ordinal)).Select(s => name[..^s.Length]).FirstOrDefault(b => Contract.GetValueOrDefault(b) == "histogram") ?? name;

    /// <summary>The metric names of a PromQL expression: identifiers outside strings, label matchers, grouping clauses and ranges.</summary>
    internal static HashSet<string> MetricNames(string expr)
        => [.. MetricPattern().Matches(Strip(expr)).Select(m => m.Value).Where(w => !PromQlWords.Contains(w)).Select(BaseName)];

    private static string Strip(string expr)
    {
        var text = Regex.Replace(expr, "\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"");          // string literals
        text = Regex.Replace(text, @"\{[^}]*\}", string.Empty);                        // label matchers
        text = Regex.Replace(text, @"\[[^\]]*\]", string.Empty);                       // range selectors
        text = Regex.Replace(text, @"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "$1");
        return text;
    }

    [GeneratedRegex("[a-zA-Z_:][a-zA-Z0-9_:]*")]
    private static partial Regex MetricPattern();
}
