namespace Geranos.Cli;

/// <summary>
/// Where Geranos reads and writes: the summary and <c>--json</c> go to <see cref="Out"/>, progress and log
/// lines to <see cref="Error"/>, so <c>geranos sync --json | jq</c> sees only JSON.
/// </summary>
/// <param name="In">Standard input (<c>--source-password-stdin</c>).</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
/// <param name="Interactive">A terminal is watching: show the live progress display instead of log lines.</param>
internal sealed record GeranosConsole(TextReader In, TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>The process's own streams; interactive when standard error is a terminal.</summary>
    public static GeranosConsole System => new(Console.In, Console.Out, Console.Error, !Console.IsErrorRedirected);
}
