using System.Text.Json.Nodes;
using Archeio.Tests.Support;

namespace Archeio.Tests.EndToEnd;

/// <summary>Start-up of the real process: bad configuration stops it with every error named.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Refuses_to_start_with_every_configuration_error_reported()
    {
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "not a url",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["BlobCheck"] = new JsonObject { ["Timeout"] = "forever" },
        });

        var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>
        {
            ["ARCHEIO_CONFIG"] = config.Path,
            ["PORT"] = "0",
        });

        Assert.Equal(2, exitCode);
        Assert.Contains("Archeio:Port", stderr, StringComparison.Ordinal);
        Assert.Contains("Archeio:InfoUrl", stderr, StringComparison.Ordinal);
        Assert.Contains("Archeio:PrivacyUrl", stderr, StringComparison.Ordinal);
        Assert.Contains("Archeio:BlobCheck:Timeout", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_config_file_that_is_not_JSON_stops_start_up_naming_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"archeio-broken-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, "{ \"Archeio\": { \"InfoUrl\": ");
        try
        {
            var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>(), "--config", path);

            Assert.Equal(2, exitCode);
            Assert.Contains(Path.GetFileName(path), stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("--bogus", 2)]
    [InlineData("--help", 0)]
    public async Task Command_line_errors_and_help_exit_without_serving(string arg, int expected)
    {
        var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>(), arg);

        Assert.Equal(expected, exitCode);
        Assert.Equal(expected != 0, stderr.Contains("--bogus", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_corrupt_geolocation_database_stops_start_up_naming_it()
    {
        var database = Path.Combine(Path.GetTempPath(), $"archeio-geo-{Guid.NewGuid():N}.mmdb");
        File.WriteAllText(database, "not a MaxMind database");
        try
        {
            var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string> { ["Archeio__Geo__CountryDatabase"] = database });

            Assert.Equal(2, exitCode);
            Assert.Contains("Archeio:Geo:CountryDatabase", stderr, StringComparison.Ordinal);
            Assert.Contains(database, stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(database);
        }
    }

    [Fact]
    public async Task A_range_file_that_does_not_parse_stops_start_up_naming_it()
    {
        var directory = Directory.CreateTempSubdirectory("archeio-ranges-");
        try
        {
            File.WriteAllText(Path.Combine(directory.FullName, "aws-ip-ranges.json"), "{\"prefixes\": [{\"ip_prefix\": \"1.2.3/24\", \"region\": \"x\"}], \"ipv6_prefixes\": []}");
            File.WriteAllText(Path.Combine(directory.FullName, "gcp-cloud.json"), "{\"prefixes\": []}");
            File.WriteAllText(Path.Combine(directory.FullName, "azure-service-tags.json"), "not json");

            var (exitCode, stderr) = await ServerProcess.RunToExitAsync(new Dictionary<string, string>
            {
                ["ARCHEIO_RANGES_DIR"] = directory.FullName,
            });

            Assert.Equal(2, exitCode);
            Assert.Contains("aws-ip-ranges.json", stderr, StringComparison.Ordinal);
            Assert.Contains("azure-service-tags.json", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("gcp-cloud.json", stderr, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Unreachable_range_urls_do_not_keep_the_service_down()
    {
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            // Nothing listens on loopback port 1: the fetch fails at once.
            ["Ranges"] = new JsonArray(new JsonObject { ["Cloud"] = "AWS", ["Format"] = "aws", ["Source"] = "http://127.0.0.1:1/ip-ranges.json" }),
        });

        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string> { ["ARCHEIO_CONFIG"] = config.Path });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await http.GetAsync("/v2/");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(server.StandardOutput, line => line.Contains("http://127.0.0.1:1/ip-ranges.json", StringComparison.Ordinal) && line.Contains("\"Error\"", StringComparison.Ordinal));
    }
}
