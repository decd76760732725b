namespace Archeio.Tests.EndToEnd.Conformance;

/// <summary>How strongly the spec asks for what a check tests (RFC 2119 words, as the spec uses them).</summary>
internal enum Requirement
{
    Must,
    Should,
}

/// <summary>
/// One named check of the pull-conformance suite: what it asserts, the section of the OCI distribution spec
/// (v1.1.1, <see cref="SpecSections.Version"/>) it implements, and whether the spec says MUST or SHOULD there.
/// </summary>
/// <param name="Id">A stable name (the table's and the test's).</param>
/// <param name="Asserts">What it asserts, in a few words, for the table.</param>
/// <param name="Section">The spec section.</param>
/// <param name="Level">MUST or SHOULD in that section.</param>
/// <param name="Run">The check: sends its requests through the run and records what failed, or why it cannot apply.</param>
internal sealed record ConformanceCheck(string Id, string Asserts, string Section, Requirement Level, Func<CheckRun, Task> Run)
{
    public string LevelText => Level == Requirement.Must ? "MUST" : "SHOULD";
}
