using System.Globalization;
using System.Text;

namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>
/// The two targets' results side by side, as Markdown: one row per check (check, spec section, MUST/SHOULD,
/// registry, through Archeio), then the reasons for every expected outcome other than a pass (marked †). An outcome
/// the expectations do not account for is marked UNEXPECTED.
/// </summary>
internal static class ConformanceTable
{
    private const int MaxReason = 400;

    public static string Render(
        IReadOnlyList<ConformanceCheck> checks, Func<string, string, CheckOutcome> outcome, string setting, string? bedFailure)
    {
        ArgumentNullException.ThrowIfNull(checks);
        ArgumentNullException.ThrowIfNull(outcome);
        var text = new StringBuilder();
        text.AppendLine("### Pull conformance: " + SpecSections.Version);
        text.AppendLine();
        text.AppendLine(setting);
        if (bedFailure is not null)
        {
            text.AppendLine();
            text.AppendLine("**The bed did not start:** " + Cell(bedFailure));
        }

        text.AppendLine();
        text.AppendLine("| check | spec section | MUST/SHOULD | registry | through Archeio |");
        text.AppendLine("| --- | --- | --- | --- | --- |");
        foreach (var check in checks)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| `{check.Id}` {Cell(check.Asserts)} | {Cell(check.Section)} | {check.LevelText} | {Result(check.Id, ConformanceTarget.RegistryId, outcome)} | {Result(check.Id, ConformanceTarget.ArcheioId, outcome)} |");
        }

        text.AppendLine();
        text.AppendLine("† expected, for these reasons:");
        text.AppendLine();
        foreach (var (check, why) in ConformanceExpectations.RegistryDeviations)
        {
            var alsoArcheio = ConformanceExpectations.Differences.ContainsKey(check) ? string.Empty : " (and through Archeio, which redirects to it)";
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{check}`, registry{alsoArcheio}: {why}.");
        }

        foreach (var (check, why) in ConformanceExpectations.ExpectedSkips)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{check}`, skipped on both: {why}.");
        }

        foreach (var (check, difference) in ConformanceExpectations.Differences)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{check}`, through Archeio ({Kind(difference.Archeio)}, documented difference): {difference.Why}.");
        }

        return text.ToString();
    }

    private static string Result(string check, string target, Func<string, string, CheckOutcome> outcomes)
    {
        var outcome = outcomes(check, target);
        if (ReferenceEquals(outcome, CheckOutcome.NotRun))
        {
            return "not run";
        }

        var expected = ConformanceExpectations.For(check, target);
        var display = outcome.Kind == OutcomeKind.Pass ? "pass" : Truncate(outcome.Display);
        return outcome.Kind != expected
            ? $"**UNEXPECTED** (expected {Kind(expected)}): {Cell(display)}"
            : outcome.Kind == OutcomeKind.Pass ? display : Cell(display) + " †";
    }

    private static string Kind(OutcomeKind kind) => kind switch
    {
        OutcomeKind.Pass => "pass",
        OutcomeKind.Fail => "FAIL",
        _ => "skip",
    };

    private static string Truncate(string text) => text.Length <= MaxReason ? text : text[..MaxReason] + "…";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");
}
