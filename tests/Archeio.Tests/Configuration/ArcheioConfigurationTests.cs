using System.Collections;
using System.Text.Json.Nodes;
using Archeio.Configuration;
using Archeio.Ranges.Parsing;
using Archeio.Tests.Ranges;
using Archeio.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

public sealed class ArcheioConfigurationTests
{
    [Fact]
    public void Embedded_default_is_the_registry_k8s_io_profile()
    {
        var settings = Read(null, new Hashtable());

        Assert.Equal("https://github.com/kubernetes/registry.k8s.io", settings.InfoUrl);
        Assert.Equal("https://www.linuxfoundation.org/privacy-policy/", settings.PrivacyUrl);
        Assert.Equal("https://us-central1-docker.pkg.dev/v2/k8s-artifacts-prod/images/", settings.Upstream.Prefix);
        Assert.Null(settings.Upstream.SignaturePrefix);
        Assert.Equal(8080, settings.Port);
        Assert.Equal(1, settings.ClientIp.ForwardedForSkip);
        Assert.Equal(TimeSpan.FromSeconds(5), settings.BlobCheck.Timeout);
        Assert.Equal(
            [("AWS", RangeFormat.Aws), ("GCP", RangeFormat.Gcp), ("Azure", RangeFormat.Azure)],
            settings.Ranges.Select(r => (r.Cloud, r.Format)));
        Assert.All(settings.Ranges, r => Assert.True(r.IsUrl));
        Assert.Equal("https://ip-ranges.amazonaws.com/ip-ranges.json", settings.Ranges[0].Source);
        Assert.Equal("https://www.gstatic.com/ipranges/cloud.json", settings.Ranges[1].Source);

        // GCP clients stay in GCP; everyone not matched below goes to the default CDN.
        Assert.Equal("GCP", settings.Rules[0].Cloud);
        Assert.Empty(settings.Rules[0].Candidates);
        var last = settings.Rules[^1];
        Assert.Null(last.Cloud);
        Assert.Equal("https://d1be1w964nk82h.cloudfront.net/containers/images/sha256:0", Assert.Single(last.Candidates).CheckUrl("pause", "sha256:0"));
    }

    [Fact]
    public void Embedded_default_sends_each_AWS_region_to_its_bucket_per_the_mirror_table()
    {
        var settings = Read(null, new Hashtable());
        var table = File.ReadAllLines(Path.Combine(SharedData.CloudRangesDirectory, "..", "registry-k8s-io", "aws-region-mirrors.tsv"))
            .Skip(1)
            .Where(line => line.Length > 0)
            .Select(line => line.Split('\t'))
            .ToList();
        Assert.Equal(36, table.Count);

        foreach (var row in table)
        {
            var rule = settings.Rules.Single(r => r.Cloud == "AWS" && r.Regions.Contains(row[0]));
            var mirror = Assert.Single(rule.Candidates);
            Assert.Equal(row[1] + "/containers/images/sha256:0", mirror.CheckUrl("pause", "sha256:0"));
        }

        // Every AWS rule comes from the table: no region is routed that the table does not name.
        Assert.Equal(36, settings.Rules.Where(r => r.Cloud == "AWS").Sum(r => r.Regions.Length));
    }

    [Fact]
    public void The_originals_environment_variables_override_the_default()
    {
        var settings = Read(null, new Hashtable
        {
            ["PORT"] = "9999",
            ["UPSTREAM_REGISTRY_ENDPOINT"] = "https://k8s.gcr.io",
            ["UPSTREAM_REGISTRY_PATH"] = "",
            ["SIGNATURE_UPSTREAM_ENDPOINT"] = "https://us-central1-docker.pkg.dev",
            ["DEFAULT_AWS_BASE_URL"] = "https://cdn.example/",
            ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        });

        Assert.Equal(9999, settings.Port);
        Assert.Equal("https://k8s.gcr.io/v2/", settings.Upstream.Prefix);
        Assert.Equal("https://us-central1-docker.pkg.dev/v2/", settings.Upstream.SignaturePrefix);
        Assert.Equal("https://cdn.example/containers/images/sha256:0", settings.Mirrors.Single(m => m.Name == "default").UrlFor("pause", "sha256:0"));
        Assert.Equal(
            ["aws-ip-ranges.json", "gcp-cloud.json", "azure-service-tags.json"],
            settings.Ranges.Select(r => Path.GetFileName(r.Source)));
        Assert.All(settings.Ranges, r => Assert.False(r.IsUrl));
    }

    [Fact]
    public void Archeio_variables_override_the_originals()
    {
        var settings = Read(null, new Hashtable
        {
            ["UPSTREAM_REGISTRY_ENDPOINT"] = "https://legacy.example",
            ["Archeio__Upstream__Endpoint"] = "https://new.example",
            ["Archeio__BlobCheck__Timeout"] = "00:00:02",
        });

        Assert.Equal("https://new.example/v2/k8s-artifacts-prod/images/", settings.Upstream.Prefix);
        Assert.Equal(TimeSpan.FromSeconds(2), settings.BlobCheck.Timeout);
    }

    [Fact]
    public void A_config_file_replaces_the_default_whole()
    {
        using var file = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://registry.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "only", ["BlobUrl"] = "https://only.example/{digest}" }),
            ["Rules"] = new JsonArray(new JsonObject { ["Match"] = new JsonObject(), ["Mirrors"] = new JsonArray("only") }),
        });

        foreach (var settings in new[] { Read(file.Path, new Hashtable()), Read(null, new Hashtable { ["ARCHEIO_CONFIG"] = file.Path }) })
        {
            // No list is merged index by index with the default's 33 mirrors and 34 rules.
            Assert.Equal("only", Assert.Single(settings.Mirrors).Name);
            Assert.Single(settings.Rules);
            Assert.Empty(settings.Ranges);
            Assert.Equal("https://registry.example/v2/", settings.Upstream.Prefix);
        }
    }

    [Fact]
    public void A_missing_config_file_is_an_error()
    {
        var ex = Assert.Throws<InvalidConfigurationException>(
            () => new ConfigurationBuilder().AddArcheioSources("/nonexistent/archeio.json", new Hashtable()));

        Assert.Contains("/nonexistent/archeio.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DEFAULT_AWS_BASE_URL_needs_a_mirror_named_default()
    {
        using var file = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://registry.example" },
        });

        var ex = Assert.Throws<InvalidConfigurationException>(() => Read(file.Path, new Hashtable { ["DEFAULT_AWS_BASE_URL"] = "https://cdn.example" }));

        Assert.Equal("Archeio:DefaultMirrorBaseUrl", Assert.Single(ex.Errors).Key);
    }

    private static ArcheioSettings Read(string? configFile, IDictionary environment)
        => ArcheioSettingsReader.ReadOrThrow(new ConfigurationBuilder().AddArcheioSources(configFile, environment).Build());
}
