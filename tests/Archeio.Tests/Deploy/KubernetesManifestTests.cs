using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Archeio.Configuration;
using Archeio.TestBed;
using Geranos.Cli;
using Microsoft.Extensions.Configuration;
using static Archeio.Tests.Deploy.Manifests;

namespace Archeio.Tests.Deploy;

/// <summary>
/// deploy/kubernetes against the code it deploys: the ConfigMap's configuration is one the server accepts, the
/// ports and probes are the ones that configuration opens, the CronJob's command line is one Geranos parses,
/// and the pods are locked down.
/// </summary>
public sealed partial class KubernetesManifestTests
{
    /// <summary>The chiseled images' <c>app</c> user, the Dockerfile's <c>USER</c>.</summary>
    public const int ArcheioUid = 1654;

    /// <summary>In-flight requests get up to this after the drain (docs/configuration.md, server limits).</summary>
    private static readonly TimeSpan InFlightLimit = TimeSpan.FromSeconds(5);

    private static Manifest Deployment => Single("Deployment", "archeio");

    private static JsonObject ArcheioContainer => Items(PodSpec(Deployment)["containers"]).Single(c => Text(c["name"]) == "archeio");

    private static string ConfigJson => Text(Single("ConfigMap", "archeio-config").Document["data"]!["archeio.json"])!;

    private static ArcheioSettings Settings
    {
        get
        {
            var settings = ArcheioSettingsReader.Read(BuildConfiguration(ConfigJson), out var errors);
            Assert.True(settings is not null, string.Join('\n', errors.Select(e => e.ToString())));
            return settings;
        }
    }

    public static TheoryData<string> ManifestFiles => [.. Files.Select(f => Path.GetFileName(f))];

    public static TheoryData<string> WorkloadContainers => [.. All.Where(m => m.Kind is "Deployment" or "CronJob")
        .SelectMany(m => Items(PodSpec(m)["containers"]).Select(c => $"{m.Kind}/{m.Name}/{Text(c["name"])}"))];

    [Theory]
    [MemberData(nameof(ManifestFiles))]
    public void Every_manifest_parses_and_names_its_kind(string file)
    {
        var documents = Load(Path.Combine(Manifests.Directory, file));
        Assert.NotEmpty(documents);
        foreach (var manifest in documents)
        {
            Assert.False(string.IsNullOrEmpty(Text(manifest.Document["apiVersion"])), manifest.ToString());
            Assert.False(string.IsNullOrEmpty(manifest.Kind), file);
            if (manifest.Kind != "Kustomization")
            {
                Assert.False(string.IsNullOrEmpty(manifest.Name), manifest.ToString());
            }
        }
    }

    [Fact]
    public void The_kustomization_lists_every_manifest()
    {
        var files = Files.Select(Path.GetFileName).Where(f => f != "kustomization.yaml").Order(StringComparer.Ordinal);
        Assert.Equal(files, Single("Kustomization").Document["resources"]!.AsArray().Select(r => (string)r!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_configmap_holds_a_configuration_the_server_accepts()
    {
        var settings = Settings;

        // Inside the pod only the mounted files exist: every source must be a URL, and the range cache on a volume.
        Assert.All(settings.Ranges, r => Assert.True(r.IsUrl, $"range source {r.Source} is a file"));
        Assert.All(settings.Mirrors.Where(m => m.Inventory is not null), m => Assert.StartsWith("https://", m.Inventory, StringComparison.Ordinal));
        Assert.Null(settings.Geo.CountryDatabase);
        Assert.Null(settings.Geo.AsnDatabase);
        Assert.NotNull(settings.RangesRefresh.CacheDirectory);
        var cacheMount = Items(ArcheioContainer["volumeMounts"]).Single(m => settings.RangesRefresh.CacheDirectory.StartsWith(Text(m["mountPath"])! + "/", StringComparison.Ordinal));
        var cacheVolume = Items(PodSpec(Deployment)["volumes"]).Single(v => Text(v["name"]) == Text(cacheMount["name"]));
        Assert.NotNull(cacheVolume["emptyDir"]);
        Assert.NotEqual("true", Text(cacheMount["readOnly"]));
    }

    [Fact]
    public void The_server_reads_the_configmap_file_it_mounts()
    {
        var args = ArcheioContainer["args"]?.AsArray().Select(a => (string)a!).ToList() ?? [];
        var env = Items(ArcheioContainer["env"]).FirstOrDefault(e => Text(e["name"]) == ArcheioConfiguration.ConfigFileVariable);
        var index = args.IndexOf("--config");
        var path = index >= 0 ? args[index + 1] : Text(env?["value"]);
        Assert.True(path is not null, "the container passes neither --config nor ARCHEIO_CONFIG");

        var mount = Items(ArcheioContainer["volumeMounts"]).Single(m => path.StartsWith(Text(m["mountPath"])!.TrimEnd('/') + "/", StringComparison.Ordinal));
        var volume = Items(PodSpec(Deployment)["volumes"]).Single(v => Text(v["name"]) == Text(mount["name"]));
        Assert.Equal("archeio-config", Text(volume["configMap"]?["name"]));
        Assert.Equal("archeio.json", Path.GetFileName(path));
    }

    [Fact]
    public void The_container_ports_are_the_configured_ports()
    {
        var settings = Settings;
        var ports = Items(ArcheioContainer["ports"]).ToDictionary(p => Text(p["name"])!, p => int.Parse(Text(p["containerPort"])!, CultureInfo.InvariantCulture));
        Assert.Equal(settings.Port, ports["http"]);
        Assert.Equal(settings.Metrics.Port, ports["metrics"]);

        var annotations = Deployment.Document["spec"]!["template"]!["metadata"]!["annotations"]!;
        Assert.Equal("true", Text(annotations["prometheus.io/scrape"]));
        Assert.Equal(settings.Metrics.Port.ToString(CultureInfo.InvariantCulture), Text(annotations["prometheus.io/port"]));
        Assert.Equal("/metrics", Text(annotations["prometheus.io/path"]));
    }

    [Theory]
    [InlineData("livenessProbe", "/healthz")]
    [InlineData("readinessProbe", "/readyz")]
    [InlineData("startupProbe", "/healthz")]
    public void Probes_ask_the_operations_port(string probe, string path)
    {
        var get = ArcheioContainer[probe]?["httpGet"];
        Assert.True(get is not null, probe + " is missing or not an httpGet probe");
        Assert.Equal(path, Text(get["path"]));
        var port = Text(get["port"]);
        var declared = Items(ArcheioContainer["ports"]).Single(p => Text(p["name"]) == port || Text(p["containerPort"]) == port);
        Assert.Equal(Settings.Metrics.Port.ToString(CultureInfo.InvariantCulture), Text(declared["containerPort"]));
    }

    [Fact]
    public void The_grace_period_outlasts_the_drain_and_the_in_flight_requests()
    {
        var grace = TimeSpan.FromSeconds(int.Parse(Text(PodSpec(Deployment)["terminationGracePeriodSeconds"])!, CultureInfo.InvariantCulture));
        Assert.True(grace > Settings.Shutdown.Drain + InFlightLimit, $"terminationGracePeriodSeconds {grace} <= Shutdown:Drain {Settings.Shutdown.Drain} + {InFlightLimit}");
    }

    [Theory]
    [MemberData(nameof(WorkloadContainers))]
    public void Every_container_runs_locked_down(string workload)
    {
        var parts = workload.Split('/');
        var spec = PodSpec(Single(parts[0], parts[1]));
        var container = Items(spec["containers"]).Single(c => Text(c["name"]) == parts[2]);
        var pod = spec["securityContext"];
        var own = container["securityContext"];
        Assert.True(own is not null, workload + " has no securityContext");

        Assert.Equal("true", Text(own["runAsNonRoot"] ?? pod?["runAsNonRoot"]));
        Assert.Equal(ArcheioUid.ToString(CultureInfo.InvariantCulture), Text(own["runAsUser"] ?? pod?["runAsUser"]));
        Assert.Equal("true", Text(own["readOnlyRootFilesystem"]));
        Assert.Equal("false", Text(own["allowPrivilegeEscalation"]));
        Assert.Contains("ALL", own["capabilities"]!["drop"]!.AsArray().Select(d => (string)d!));
        Assert.NotNull(container["resources"]?["requests"]?["cpu"]);
        Assert.NotNull(container["resources"]?["requests"]?["memory"]);
        Assert.NotNull(container["resources"]?["limits"]?["memory"]);
    }

    [Fact]
    public void The_services_autoscaler_and_disruption_budget_select_the_deployment()
    {
        var podLabels = Deployment.Document["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        bool Selects(JsonNode? selector) => selector!.AsObject().All(kv => Text(podLabels[kv.Key]) == Text(kv.Value));

        Assert.True(Selects(Deployment.Document["spec"]!["selector"]!["matchLabels"]));
        Assert.True(Selects(Single("PodDisruptionBudget").Document["spec"]!["selector"]!["matchLabels"]));

        var publicService = Single("Service", "archeio");
        var publicPort = Assert.Single(Items(publicService.Document["spec"]!["ports"]));
        Assert.Equal("80", Text(publicPort["port"]));
        Assert.Equal("http", Text(publicPort["targetPort"]));
        Assert.True(Selects(publicService.Document["spec"]!["selector"]));
        Assert.All(OfKind("Service"), s => Assert.Equal("ClusterIP", Text(s.Document["spec"]!["type"]) ?? "ClusterIP"));
        Assert.DoesNotContain(OfKind("Service").Where(s => s.Name != "archeio-metrics").SelectMany(s => Items(s.Document["spec"]!["ports"])), p => Text(p["targetPort"]) == "metrics");

        var hpa = Single("HorizontalPodAutoscaler");
        Assert.Equal("autoscaling/v2", Text(hpa.Document["apiVersion"]));
        Assert.Equal("Deployment", Text(hpa.Document["spec"]!["scaleTargetRef"]!["kind"]));
        Assert.Equal(Deployment.Name, Text(hpa.Document["spec"]!["scaleTargetRef"]!["name"]));
        var cpu = Assert.Single(Items(hpa.Document["spec"]!["metrics"]));
        Assert.Equal("cpu", Text(cpu["resource"]!["name"]));
    }

    [Fact]
    public void The_cronjob_runs_a_geranos_sync_that_the_command_line_accepts()
    {
        var cronJob = Assert.Single(OfKind("CronJob"));
        Assert.Equal("Forbid", Text(cronJob.Document["spec"]!["concurrencyPolicy"]));
        var container = Assert.Single(Items(PodSpec(cronJob)["containers"]));
        var args = container["args"]!.AsArray().Select(a => (string)a!).ToArray();
        Assert.Null(container["command"]);
        Assert.Equal("sync", args[0]);
        Assert.Contains("--json", args);

        var parse = GeranosCommandLine.Build(GeranosServices.Default).Parse(args);
        Assert.True(parse.Errors.Count == 0, string.Join('\n', parse.Errors.Select(e => e.Message)));

        var contract = ContractOptions("sync");
        Assert.All(args.Where(a => a.StartsWith("--", StringComparison.Ordinal)), a => Assert.Contains(a, contract));

        // Credentials from a Secret, never in the manifest.
        var env = Items(container["env"]).ToDictionary(e => Text(e["name"])!);
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY" })
        {
            Assert.Null(env[name]["value"]);
            Assert.NotNull(env[name]["valueFrom"]?["secretKeyRef"]?["name"]);
        }
    }

    [Fact]
    public void Images_are_the_dockerfile_targets_at_one_version()
    {
        var images = Items(Single("Kustomization").Document["images"]).ToDictionary(i => Text(i["name"])!);
        var used = All.Where(m => m.Kind is "Deployment" or "CronJob").SelectMany(m => Items(PodSpec(m)["containers"]).Select(c => (Manifest: m, Image: Text(c["image"])!))).ToList();
        Assert.All(used, u => Assert.True(images.ContainsKey(u.Image), $"{u.Manifest}: image '{u.Image}' is not set by the kustomization"));
        Assert.Equal(["archeio", "geranos"], images.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("archeio", used.Single(u => u.Manifest.Kind == "Deployment").Image);
        Assert.Equal("geranos", used.Single(u => u.Manifest.Kind == "CronJob").Image);
        Assert.Single(images.Values.Select(i => Text(i["newTag"])).Distinct());
        Assert.All(images, i => Assert.EndsWith("/" + i.Key, Text(i.Value["newName"]), StringComparison.Ordinal));
        Assert.Single(images.Values.Select(i => Text(i["newName"])![..Text(i["newName"])!.LastIndexOf('/')]).Distinct());
    }

    /// <summary>As the server does: the JSON file as the configuration's source (ArcheioConfiguration.AddArcheioSources).</summary>
    private static IConfiguration BuildConfiguration(string json)
        => new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();

    /// <summary>The options of a command in docs/geranos.md's command-line contract block.</summary>
    private static HashSet<string> ContractOptions(string command)
    {
        var doc = File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "docs", "geranos.md"));
        var section = doc[doc.IndexOf("## Command line", StringComparison.Ordinal)..];
        var block = section[(section.IndexOf("```", StringComparison.Ordinal) + 3)..];
        block = block[..block.IndexOf("```", StringComparison.Ordinal)];
        var lines = block.Split('\n');
        var options = new HashSet<string>(StringComparer.Ordinal);
        var inCommand = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("geranos ", StringComparison.Ordinal))
            {
                inCommand = line.StartsWith("geranos " + command + " ", StringComparison.Ordinal);
            }

            if (inCommand)
            {
                options.UnionWith(OptionPattern().Matches(line).Select(m => m.Value));
            }
        }

        Assert.Contains("--dest", options);
        return options;
    }

    [GeneratedRegex("--[a-z0-9][a-z0-9-]*")]
    private static partial Regex OptionPattern();
}
