using Archeio.Configuration;
using Archeio.Ranges.Parsing;
using Archeio.Sources;

namespace Archeio.Tests.Sources;

/// <summary>The one decision of what is fetched and what is read, and what logs show of a location.</summary>
public sealed class SourceLocationTests
{
    [Theory]
    [InlineData("https://ip-ranges.amazonaws.com/ip-ranges.json", true)]
    [InlineData("http://127.0.0.1:8080/inventory.txt", true)]
    [InlineData("HTTPS://EXAMPLE.COM/X", true)]
    [InlineData("/etc/archeio/ranges/aws.json", false)]
    [InlineData("ranges/https.json", false)]
    [InlineData("ftp://example.com/x", false)]
    [InlineData("file:///etc/x", false)]
    public void A_location_is_a_url_only_with_an_http_or_https_scheme(string location, bool url)
    {
        Assert.Equal(url, SourceLocation.IsUrl(location));
        Assert.Equal(url, new RangeSourceSettings("AWS", RangeFormat.Aws, location).IsUrl);
    }

    [Theory]
    [InlineData("https://bucket.example/inventory.txt?X-Amz-Signature=secret", "https://bucket.example/inventory.txt?…")]
    [InlineData("https://bucket.example/inventory.txt", "https://bucket.example/inventory.txt")]
    [InlineData("/data/what?.txt", "/data/what?.txt")]
    public void Logs_show_a_url_without_its_query(string location, string shown) => Assert.Equal(shown, SourceLocation.Display(location));
}
