using System.Globalization;
using System.Text.Json;
using Geranos.Cli.Json;
using Geranos.Sync;
using Spectre.Console;

namespace Geranos.Cli;

/// <summary>Prints the end-of-run summary: a table for people, or JSON with <c>--json</c>.</summary>
internal static class SummaryWriter
{
    public static void Write(SyncSummary summary, GeranosConsole console, bool json)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(console);
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(summary, CliJsonContext.Default.SyncSummary));
            return;
        }

        var ansi = Create(console);
        var table = new Table().Border(TableBorder.Rounded).Title(summary.DryRun ? "geranos sync --dry-run: plan" : "geranos sync").AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        Row(table, "source", summary.Source);
        Row(table, "destinations", string.Join("\n", summary.Destinations));
        Row(table, "repositories", Count(summary.Repositories));
        Row(table, "tags", Count(summary.Tags));
        Row(table, "tags already recorded", Count(summary.ManifestsRecorded));
        Row(table, summary.DryRun ? "manifests to mirror" : "manifests mirrored", Count(summary.ManifestsMirrored));
        Row(table, "manifests failed", Count(summary.ManifestsFailed));
        Row(table, "blobs", Count(summary.Blobs));
        Row(table, "blobs present", Count(summary.BlobsPresent));
        if (summary.DryRun)
        {
            Row(table, "blobs to copy", Count(summary.BlobsToCopy));
            Row(table, "bytes to copy", ByteSize.Format(summary.BytesToCopy) + (summary.BlobsOfUnknownSize > 0 ? $" (+{summary.BlobsOfUnknownSize} blobs of unknown size)" : ""));
        }
        else
        {
            Row(table, "blobs copied", Count(summary.BlobsCopied));
            Row(table, "bytes copied", ByteSize.Format(summary.BytesCopied));
            Row(table, "blobs failed", Count(summary.BlobsFailed));
            Row(table, "manifest objects written", Count(summary.ManifestObjectsWritten));
        }

        Row(table, "source requests", Count(summary.SourceRequests));
        Row(table, "time", summary.Seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s");
        if (summary.Seconds > 0 && summary.BytesCopied > 0)
        {
            Row(table, "rate", ByteSize.Format(summary.BytesCopied / summary.Seconds) + "/s");
        }

        ansi.Write(table);
        Failures(ansi, summary.Failures.Select(f => (f.Subject, f.Reason)), "failures");
    }

    public static void Write(VerifySummary summary, GeranosConsole console, bool json)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(console);
        if (json)
        {
            console.Out.WriteLine(JsonSerializer.Serialize(summary, CliJsonContext.Default.VerifySummary));
            return;
        }

        var ansi = Create(console);
        var table = new Table().Border(TableBorder.Rounded).Title(summary.Deep ? "geranos verify --deep" : "geranos verify")
            .AddColumn("destination").AddColumn(new TableColumn("objects").RightAligned()).AddColumn(new TableColumn("manifests").RightAligned())
            .AddColumn(new TableColumn("hashed").RightAligned()).AddColumn(new TableColumn("problems").RightAligned());
        foreach (var report in summary.Destinations)
        {
            table.AddRow(
                Markup.Escape(report.Destination),
                Count(report.Objects),
                Count(report.Markers),
                ByteSize.Format(report.BytesHashed),
                Count(report.Problems.Count));
        }

        ansi.Write(table);
        Failures(ansi, summary.Destinations.SelectMany(d => d.Problems.Select(p => (d.Destination + "/" + p.Key, p.Reason))), "bad keys");
    }

    private static IAnsiConsole Create(GeranosConsole console)
        => AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(console.Out),
            Ansi = console.Interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = console.Interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = console.Interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });

    private static void Failures(IAnsiConsole ansi, IEnumerable<(string Subject, string Reason)> failures, string title)
    {
        var list = failures.ToList();
        if (list.Count == 0)
        {
            return;
        }

        var table = new Table().Border(TableBorder.Rounded).Title($"{list.Count} {title}").AddColumn("what").AddColumn("why");
        foreach (var (subject, reason) in list)
        {
            table.AddRow(Markup.Escape(subject), Markup.Escape(reason));
        }

        ansi.Write(table);
    }

    private static void Row(Table table, string name, string value) => table.AddRow(Markup.Escape(name), Markup.Escape(value));

    private static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
