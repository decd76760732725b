using System.Collections;
using Archeio.Configuration;
using Archeio.Hosting;
using Archeio.Ranges.Loading;
using Archeio.TestBed;
using Archeio.Tests.Ranges.Loading;
using Archeio.Tests.Support;

namespace Archeio.Tests.Hosting;

/// <summary>
/// <c>archeio ranges fetch --out</c> against the providers' real files on loopback (<see cref="LoopbackProviders"/>):
/// all or nothing, in the cache's format, and what it writes is what <c>RangesRefresh:BakedDirectory</c> starts from
/// without the network.
/// </summary>
public sealed class RangesFetchCommandTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _directory = new("ranges-fetch");
    private LoopbackProviders _providers = null!;

    private string Out => _directory.Combine("image", "ranges");

    public async Task InitializeAsync() => _providers = await LoopbackProviders.StartAsync();

    public async Task DisposeAsync() => await _providers.DisposeAsync();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Writes_every_url_source_with_its_validators_and_snapshot()
    {
        var (exit, stdout, stderr) = await RunAsync(_providers.Environment());

        Assert.True(exit == 0, stderr);
        Assert.Equal(string.Empty, stderr);
        var files = Directory.GetFiles(Out).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(9, files.Length);
        foreach (var cloud in new[] { "aws", "azure", "gcp" })
        {
            Assert.Equal(3, files.Count(f => f!.StartsWith(cloud + "-", StringComparison.Ordinal)));
        }

        Assert.Contains("AWS: ", stdout, StringComparison.Ordinal);
        Assert.Contains($"wrote 3 range sources to {Out}", stdout, StringComparison.Ordinal);
        // Nothing but the set: no staging directory left beside it.
        Assert.Equal(["ranges"], Directory.GetFileSystemEntries(Path.GetDirectoryName(Out)!).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_start_with_the_baked_directory_and_the_providers_down_knows_every_cloud_from_the_snapshots()
    {
        var (exit, _, stderr) = await RunAsync(_providers.Environment());
        Assert.True(exit == 0, stderr);
        await _providers.DisposeAsync();

        await using var start = RangeRefreshHarness.Create(Sources(), bakedDirectory: Out, requireAtStart: true);
        await start.StartAsync();

        Assert.Equal("AWS/eu-west-3", start.Lookup(LoopbackProviders.AwsClient));
        Assert.True(start.Status.Ready);
        Assert.All(start.Status.Sources, s => Assert.True(s.HasData, s.Cloud));
        Assert.Equal(3, start.Log.Entries.Count(e => e.EventId == 26));
        // Read from the baked snapshots, not parsed; nothing is written to the baked directory.
        Assert.DoesNotContain(start.Log.Entries, e => e.EventId == 18);
        Assert.Equal(9, Directory.GetFiles(Out).Length);

        // The live refresh runs as before: the providers are down, so the baked data stays.
        await Eventually.TrueAsync(() => start.Status.Sources.All(s => s.Failures == 1), "the fetch after start fails");
        Assert.Equal("AWS/eu-west-3", start.Lookup(LoopbackProviders.AwsClient));
    }

    [Fact]
    public async Task The_first_successful_fetch_replaces_a_stale_baked_copy()
    {
        var (exit, _, stderr) = await RunAsync(_providers.Environment());
        Assert.True(exit == 0, stderr);

        // The provider now publishes something else at the same URL: the baked copy is stale.
        await using var provider = await RangeServer.StartAsync(RangeRefreshTests.Version2);
        var stale = RangeRefreshHarness.Aws(provider.Url);
        var baked = new RangeCache(Out);
        var old = await baked.ReadAsync(new RangeSourceSettings("AWS", Archeio.Ranges.Parsing.RangeFormat.Aws, _providers.Urls[0]), default);
        await baked.WriteAsync(stale, old!.Value.Body, old.Value.Entry with { Source = provider.Url }, default);

        await using var start = RangeRefreshHarness.Create([stale], bakedDirectory: Out);
        await start.StartAsync();
        Assert.Equal("AWS/eu-west-3", start.Lookup(LoopbackProviders.AwsClient));

        await Eventually.TrueAsync(() => start.StatusOf("AWS").LastSuccess is not null, "the fetch after start succeeds");
        Assert.Equal(2, start.StatusOf("AWS").Prefixes);
        Assert.Equal("AWS/eu-west-1", start.Lookup(LoopbackProviders.AwsClient));
    }

    [Fact]
    public async Task A_failing_source_exits_1_names_it_and_writes_nothing()
    {
        _providers.Missing.Add("azure-service-tags.json");

        var (exit, _, stderr) = await RunAsync(_providers.Environment());

        Assert.Equal(1, exit);
        Assert.Contains($"Azure source '{_providers.Urls[2]}' failed: ", stderr, StringComparison.Ordinal);
        Assert.Contains("404", stderr, StringComparison.Ordinal);
        Assert.Contains($"1 of 3 range sources failed; nothing written to '{Out}'", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(Out)) && Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(Out)!).Any());
    }

    [Fact]
    public async Task A_failing_run_leaves_the_previous_set_as_it_was_and_a_good_one_replaces_it_whole()
    {
        Assert.Equal(0, (await RunAsync(_providers.Environment())).Exit);
        var before = Snapshot();
        File.WriteAllText(Path.Combine(Out, "gcp-0000000000000000.json"), "{}");

        _providers.Missing.Add("gcp-cloud.json");
        Assert.Equal(1, (await RunAsync(_providers.Environment())).Exit);
        Assert.Equal(10, Directory.GetFiles(Out).Length);

        _providers.Missing.Clear();
        Assert.Equal(0, (await RunAsync(_providers.Environment())).Exit);
        // The stray file is gone (the set is replaced whole); the same bytes give the same files (sidecars' fetch times aside).
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task Refuses_to_replace_a_directory_holding_anything_else()
    {
        Directory.CreateDirectory(Out);
        File.WriteAllText(Path.Combine(Out, "notes.txt"), "mine");

        var (exit, _, stderr) = await RunAsync(_providers.Environment());

        Assert.Equal(2, exit);
        Assert.Contains("it holds 'notes.txt'", stderr, StringComparison.Ordinal);
        Assert.Equal(["notes.txt"], Directory.GetFiles(Out).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_configuration_error_exits_2()
    {
        var environment = _providers.Environment();
        environment["Archeio__RangesRefresh__FetchTimeout"] = "soon";

        var (exit, _, stderr) = await RunAsync(environment);

        Assert.Equal(2, exit);
        Assert.Contains("Archeio:RangesRefresh:FetchTimeout", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Out));
    }

    private System.Collections.Immutable.ImmutableArray<RangeSourceSettings> Sources() =>
        [.. ArcheioSettingsReader.RangesDirectoryFiles.Select((f, i) => new RangeSourceSettings(f.Cloud, f.Format, _providers.Urls[i]))];

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFiles(Out).ToDictionary(
            f => Path.GetFileName(f),
            f => f.EndsWith(".meta.json", StringComparison.Ordinal) ? string.Empty : Convert.ToHexString(File.ReadAllBytes(f)),
            StringComparer.Ordinal);

    private async Task<(int Exit, string Stdout, string Stderr)> RunAsync(Dictionary<string, string> environment)
    {
        var commandLine = CommandLine.Parse(["ranges", "fetch", "--out", Out]);
        Assert.Null(commandLine.Error);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var exit = await RangesFetchCommand.RunAsync(commandLine, new Hashtable(environment), stdout, stderr, TimeProvider.System);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
