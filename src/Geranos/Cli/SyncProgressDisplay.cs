using System.Globalization;
using Geranos.Sync;
using Spectre.Console;

namespace Geranos.Cli;

/// <summary>
/// Shows a run's counters while it works: on a terminal a live Spectre.Console display (manifests, blobs and
/// bytes done of total, rate, time left), refreshed five times a second; otherwise a progress log line every
/// <see cref="PlainInterval"/>, so that a CI log shows the run is alive without a line per redraw.
/// </summary>
internal static class SyncProgressDisplay
{
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan LiveInterval = TimeSpan.FromMilliseconds(200);

    public static async Task<T> WatchAsync<T>(Task<T> run, SyncCounters counters, GeranosConsole console, PlainSyncReporter? plain, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(counters);
        ArgumentNullException.ThrowIfNull(console);
        if (plain is not null)
        {
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(PlainInterval, time)).ConfigureAwait(false);
                if (!run.IsCompleted)
                {
                    plain.Write(Line(counters.Snapshot()));
                }
            }

            return await run.ConfigureAwait(false);
        }

        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error), Interactive = InteractionSupport.Yes });
        var started = time.GetTimestamp();
        await ansi.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var manifests = context.AddTask("manifests");
                var blobs = context.AddTask("blobs");
                var bytes = context.AddTask("bytes");
                while (true)
                {
                    var snapshot = counters.Snapshot();
                    var seconds = Math.Max(time.GetElapsedTime(started).TotalSeconds, 0.001);
                    Update(manifests, $"manifests {snapshot.ManifestsDone}/{snapshot.ManifestsTotal}", snapshot.ManifestsDone, snapshot.ManifestsTotal);
                    Update(blobs, $"blobs {snapshot.BlobsDone}/{snapshot.BlobsTotal}", snapshot.BlobsDone, snapshot.BlobsTotal);
                    Update(bytes, $"{ByteSize.Format(snapshot.BytesDone)} of {ByteSize.Format(snapshot.BytesTotal)} at {ByteSize.Format(snapshot.BytesDone / seconds)}/s", snapshot.BytesDone, snapshot.BytesTotal);
                    if (run.IsCompleted)
                    {
                        break;
                    }

                    await Task.WhenAny(run, Task.Delay(LiveInterval, time)).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        return await run.ConfigureAwait(false);
    }

    /// <summary>The plain progress line: <c>progress: manifests 3/10, blobs 50/200, 1.2 GiB of 4.0 GiB</c>.</summary>
    public static string Line(SyncProgressSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"progress: manifests {snapshot.ManifestsDone}/{snapshot.ManifestsTotal}, blobs {snapshot.BlobsDone}/{snapshot.BlobsTotal}, {ByteSize.Format(snapshot.BytesDone)} of {ByteSize.Format(snapshot.BytesTotal)}");
    }

    private static void Update(ProgressTask task, string description, long done, long total)
    {
        task.Description = Markup.Escape(description);
        task.MaxValue = Math.Max(total, 1);
        task.Value = Math.Min(done, task.MaxValue);
    }
}
