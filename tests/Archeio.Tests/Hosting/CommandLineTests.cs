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
    public void Parses(string args, string? config, bool help, bool error)
    {
        var parsed = CommandLine.Parse(args.Length == 0 ? [] : args.Split('|'));

        Assert.Equal(config, parsed.ConfigFile);
        Assert.Equal(help, parsed.ShowHelp);
        Assert.Equal(error, parsed.Error is not null);
    }
}
