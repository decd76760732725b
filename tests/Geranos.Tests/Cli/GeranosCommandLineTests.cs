namespace Geranos.Tests.Cli;

/// <summary>
/// The command line's contract (docs/geranos.md): usage errors are all reported at once and exit 2 before
/// anything is contacted; help exits 0.
/// </summary>
public sealed class GeranosCommandLineTests
{
    private const string Good = "--source http://127.0.0.1:1 --dest s3://mirror";

    [Theory]
    [InlineData("", "Required command was not provided")]
    [InlineData("sync", "--source' is required")]
    [InlineData("sync --source http://127.0.0.1:1", "--dest' is required")]
    [InlineData("sync --source ftp://x --dest s3://mirror", "--source ftp://x: an http:// or https:// URL")]
    [InlineData("sync --source http://r.example/?q=1 --dest s3://mirror", "without query or fragment")]
    [InlineData("sync --source relative/path --dest s3://mirror", "--source relative/path")]
    [InlineData("sync --source http://r.example --dest http://mirror", "--dest http://mirror")]
    [InlineData("sync --source http://r.example --dest s3://Mirror", "--dest s3://Mirror")]
    [InlineData("sync " + Good + " --parallel 0", "--parallel 0: a whole number from 1 to 256")]
    [InlineData("sync " + Good + " --parallel many", "--parallel many")]
    [InlineData("sync " + Good + " --source-rps 0", "--source-rps 0: a number above 0")]
    [InlineData("sync " + Good + " --source-rps NaN", "--source-rps NaN")]
    [InlineData("sync " + Good + " --part-size-mib 4", "--part-size-mib 4: a whole number from 5 to 512")]
    [InlineData("sync " + Good + " --s3-endpoint mirror.example", "--s3-endpoint mirror.example")]
    [InlineData("sync " + Good + " --source-password-stdin", "--source-password-stdin needs --source-username")]
    [InlineData("sync " + Good + " --repositories-file /nonexistent/repos.txt", "--repositories-file /nonexistent/repos.txt: no such file")]
    [InlineData("sync " + Good + " --bogus", "'--bogus'")]
    [InlineData("verify", "--dest' is required")]
    [InlineData("verify --dest s3://mirror --parallel 0", "--parallel 0")]
    [InlineData("mirror", "'mirror'")]
    public async Task Usage_errors_exit_2_and_say_what_is_wrong(string arguments, string expected)
    {
        var (exit, output, error) = await GeranosRun.RunAsync(Split(arguments));

        Assert.Equal(2, exit);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.Equal("", output);
    }

    [Fact]
    public async Task Every_bad_value_is_reported_at_once()
    {
        var (exit, _, error) = await GeranosRun.RunAsync(Split("sync --source ftp://x --dest s3://A --parallel 0 --source-rps -1 --part-size-mib 1000"));

        Assert.Equal(2, exit);
        foreach (var option in new[] { "--source ftp://x", "--dest s3://A", "--parallel 0", "--source-rps -1", "--part-size-mib 1000" })
        {
            Assert.Contains(option, error, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("--help", "sync")]
    [InlineData("sync --help", "--source-rps")]
    [InlineData("verify --help", "--deep")]
    public async Task Help_exits_0_and_lists_the_contract(string arguments, string expected)
    {
        var (exit, output, _) = await GeranosRun.RunAsync(Split(arguments));

        Assert.Equal(0, exit);
        Assert.Contains(expected, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sync_help_names_every_option_of_the_contract()
    {
        var (_, output, _) = await GeranosRun.RunAsync(["sync", "--help"]);

        foreach (var option in new[]
        {
            "--source", "--repository", "--repositories-file", "--dest", "--s3-endpoint", "--s3-region", "--s3-path-style",
            "--parallel", "--source-rps", "--include", "--exclude", "--dry-run", "--json", "--source-username", "--source-password-stdin",
        })
        {
            Assert.Contains(option + " ", output, StringComparison.Ordinal);
        }
    }

    private static string[] Split(string arguments) => arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
