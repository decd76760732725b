using Geranos.Cli;
using Geranos.Sync;

namespace Geranos.Tests.Cli;

/// <summary>The progress display: on a terminal, manifests, blobs and bytes done of total; otherwise a periodic progress line.</summary>
public sealed class SyncProgressDisplayTests
{
    [Fact]
    public async Task The_live_display_shows_manifests_blobs_and_bytes_done_of_total()
    {
        var counters = new SyncCounters();
        counters.ManifestsFound(3);
        counters.ManifestDone();
        counters.BlobFound(2L << 20);
        counters.BlobFound(1L << 20);
        counters.BlobPresent(1L << 20);
        using var error = new StringWriter();
        var console = new GeranosConsole(TextReader.Null, TextWriter.Null, error, Interactive: true);

        var result = await SyncProgressDisplay.WatchAsync(Task.FromResult(42), counters, console, plain: null, TimeProvider.System);

        Assert.Equal(42, result);
        var shown = error.ToString();
        Assert.Contains("manifests 1/3", shown, StringComparison.Ordinal);
        Assert.Contains("blobs 1/2", shown, StringComparison.Ordinal);
        Assert.Contains("1.0 MiB of 3.0 MiB", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_progress_line_gives_the_same_counts()
    {
        var snapshot = new SyncProgressSnapshot(10, 3, 200, 50, 4L << 30, 1288490189);

        Assert.Equal("progress: manifests 3/10, blobs 50/200, 1.2 GiB of 4.0 GiB", SyncProgressDisplay.Line(snapshot));
    }
}
