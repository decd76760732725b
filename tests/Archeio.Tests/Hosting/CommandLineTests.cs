using Archeio.Hosting;

namespace Archeio.Tests.Hosting;

public sealed class CommandLineTests
{
    /// <summary>Columns: arguments ("|"-separated), config file, help, error expected.</summary>
    [Theory]
    [InlineData("", null, false, false)]
    [InlineData("--config|a.json", "a.json", false, false)]
    [InlineData("--config=a.json", "a.json", false, false)]
    [InlineData("--help", null, true, false)]
    [InlineData("-h", null, true, false)]
    [InlineData("--config", null, false, true)]
    [InlineData("--confg=a.json", null, false, true)]
    [InlineData("serve", null, false, true)]
    [InlineData("--contentRoot=/tmp|--environment=Development|--applicationName=Archeio", null, false, false)]
    [InlineData("explain|1.2.3.4", null, false, false)]
    [InlineData("explain|1.2.3.4|/v2/a/manifests/b|--check|--config|c.json", "c.json", false, false)]
    [InlineData("explain", null, false, true)]
    [InlineData("explain|1.2.3.4|/p|/q", null, false, true)]
    [InlineData("explain|1.2.3.4|--bogus", null, false, true)]
    [InlineData("--check", null, false, true)]
    [InlineData("ranges|fetch|--out|/tmp/r", null, false, false)]
    [InlineData("ranges|fetch|--out=/tmp/r|--config|c.json", "c.json", false, false)]
    [InlineData("ranges|fetch", null, false, true)]
    [InlineData("ranges|fetch|--out", null, false, true)]
    [InlineData("ranges|fetch|--out|/tmp/r|--check", null, false, true)]
    [InlineData("ranges", null, false, true)]
    [InlineData("ranges|list", null, false, true)]
    [InlineData("ranges|--help", null, true, false)]
    [InlineData("--out|/tmp/r", null, false, true)]
    public void Parses(string args, string? config, bool help, bool error)
    {
        var parsed = CommandLine.Parse(args.Length == 0 ? [] : args.Split('|'));

        Assert.Equal(config, parsed.ConfigFile);
        Assert.Equal(help, parsed.ShowHelp);
        Assert.Equal(error, parsed.Error is not null);
    }

    [Fact]
    public void Explain_takes_an_address_a_path_and_check()
    {
        var parsed = CommandLine.Parse(["explain", "35.180.1.1", "/v2/a/blobs/sha256:x", "--check"]);

        Assert.True(parsed.Explain);
        Assert.Equal("35.180.1.1", parsed.ExplainAddress);
        Assert.Equal("/v2/a/blobs/sha256:x", parsed.ExplainPath);
        Assert.True(parsed.Check);
    }

    [Fact]
    public void Ranges_fetch_takes_the_output_directory()
    {
        var parsed = CommandLine.Parse(["ranges", "fetch", "--out", "/build/ranges"]);

        Assert.True(parsed.RangesFetch);
        Assert.False(parsed.Explain);
        Assert.Equal("/build/ranges", parsed.OutDirectory);
        Assert.Contains("ranges fetch --out <dir>", CommandLine.Usage, StringComparison.Ordinal);
    }
}
