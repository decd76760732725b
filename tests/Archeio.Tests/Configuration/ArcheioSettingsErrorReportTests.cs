using Archeio.Configuration;
using Microsoft.Extensions.Configuration;

namespace Archeio.Tests.Configuration;

/// <summary>One configuration with mistakes of every kind: reading and linking report all of them at once, in key-reading order.</summary>
public sealed class ArcheioSettingsErrorReportTests
{
    [Fact]
    public void Reports_read_and_link_errors_at_once_each_with_its_full_key()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Archeio:Port"] = "9100",
            ["Archeio:InfoUrl"] = "ftp://info.example/",
            ["Archeio:PrivacyUrl"] = "https://info.example/privacy",
            ["Archeio:Upstream:Endpoint"] = "https://registry.example",
            ["Archeio:Uptream:Endpoint"] = "https://typo.example",
            ["Archeio:Mirrors:0:Name"] = "m1",
            ["Archeio:Mirrors:0:BlobUrl"] = "https://m1.example/{digest}",
            ["Archeio:Rules:0:Mirrors:0"] = "m1",
            ["Archeio:Rules:1:Match:Cloud"] = "Oracle",
            ["Archeio:Rules:1:Match:Countries:0"] = "NL",
            ["Archeio:Rules:1:Upstream"] = "mars",
            ["Archeio:Rules:1:Mirrors:0"] = "nowhere",
            ["Archeio:Rules:1:Split:0:Mirror"] = "elsewhere",
            ["Archeio:Rules:1:Split:0:Percent"] = "10",
            ["Archeio:BlobCheck:Timeout"] = "soon",
            ["Archeio:BlobCheck:MaxEntries"] = "many",
            ["Archeio:Metrics:Port"] = "9100",
        }).Build();

        var ex = Assert.Throws<InvalidConfigurationException>(() => ArcheioSettingsReader.ReadOrThrow(configuration));

        (string Key, string Why)[] expected =
        [
            ("Archeio:Uptream", "unknown setting"),
            ("Archeio:InfoUrl", "not an absolute http(s) URL"),
            ("Archeio:Rules:1:Match:Cloud", "no Ranges source defines cloud 'Oracle'"),
            ("Archeio:Rules:1:Upstream", "no upstream is named 'mars'"),
            ("Archeio:Rules:1:Mirrors:0", "no mirror is named 'nowhere'"),
            ("Archeio:Rules:1:Split:0:Mirror", "no mirror is named 'elsewhere'"),
            ("Archeio:Rules:1", "unreachable: Archeio:Rules:0 matches every client"),
            ("Archeio:BlobCheck:Timeout", "'soon' is not a duration"),
            ("Archeio:BlobCheck:MaxEntries", "'many' is not an integer"),
            ("Archeio:Rules:1:Match", "need Geo:CountryDatabase"),
            ("Archeio:Metrics:Port", "also the public Port"),
        ];
        Assert.Equal(expected.Select(e => e.Key), ex.Errors.Select(e => e.Key));
        foreach (var (error, (_, why)) in ex.Errors.Zip(expected))
        {
            Assert.Contains(why, error.Message, StringComparison.Ordinal);
        }
    }
}
