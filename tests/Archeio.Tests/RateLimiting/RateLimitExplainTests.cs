using System.Collections;
using Archeio.Hosting;
using Archeio.Tests.Ranges;

namespace Archeio.Tests.RateLimiting;

/// <summary><c>archeio explain</c> says which rate limit a client counts against, and in which partition, by the server's own policy.</summary>
public sealed class RateLimitExplainTests
{
    private static readonly Hashtable Environment = new()
    {
        ["ARCHEIO_RANGES_DIR"] = SharedData.CloudRangesDirectory,
        ["Archeio__RateLimits__0__Name"] = "ripe",
        ["Archeio__RateLimits__0__Match__Networks__0"] = "193.0.0.0/16",
        ["Archeio__RateLimits__0__PartitionBy"] = "Network",
        ["Archeio__RateLimits__0__PermitsPerMinute"] = "600",
        ["Archeio__RateLimits__0__Burst"] = "50",
        ["Archeio__RateLimitExempt__Networks__0"] = "193.0.6.0/24",
    };

    [Theory]
    [InlineData("193.0.7.9", "rate limit 'ripe' applies (Match Networks=193.0.0.0/16): 600 a minute, burst 50, counted for 193.0.7.0/24")]
    [InlineData("193.0.6.139", "rate limit: none (exempt: RateLimitExempt)")]
    [InlineData("35.180.1.1", "rate limit: none of the 1 limits fits")]
    public async Task Explain_names_the_limit_and_partition(string client, string line)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();

        var code = await ExplainCommand.RunAsync(CommandLine.Parse(["explain", client]), Environment, output, error);

        Assert.Equal(0, code);
        Assert.Contains(line + "\n", output.ToString().ReplaceLineEndings("\n"), StringComparison.Ordinal);
    }
}
