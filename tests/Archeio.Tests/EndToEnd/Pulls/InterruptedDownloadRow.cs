namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>One row of the interrupted-downloads table: what one client did in one scenario.</summary>
/// <param name="Scenario">The scenario.</param>
/// <param name="Client">The client's name.</param>
/// <param name="Behaviour">What the client did after the cut, read from the proxies' and Archeio's logs.</param>
/// <param name="Outcome"><c>pulled</c>, or <c>failed</c> with the client's reason.</param>
/// <param name="DigestCheck">Whether the pulled digest is the pushed one (<c>-</c> when nothing was pulled).</param>
/// <param name="Requests">The GETs of the large layer as the proxies logged them.</param>
/// <param name="Elapsed">The pull's wall-clock time.</param>
internal sealed record InterruptedDownloadRow(
    CutScenario Scenario, string Client, string Behaviour, string Outcome, string DigestCheck, string Requests, TimeSpan Elapsed);
