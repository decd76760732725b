using System.Globalization;
using Archeio.Tests.TestBed;

namespace Archeio.Tests.EndToEnd.Pulls;

/// <summary>
/// What a client did with the large layer during one pull, read from the logs (never assumed): the GETs of it at the
/// proxy that cuts it (<see cref="AtTarget"/>, in order), any at the other proxies, and how many GETs of it Archeio
/// answered. The first GET at the target is the one that is cut; every later GET of the layer is the client's
/// reaction: with <c>Range</c> a resume, without one a restart from zero. A follow-up came back through Archeio
/// when Archeio answered a GET of the layer for it (the first GET is always Archeio's redirect).
/// </summary>
/// <param name="Target">The name of the proxy that cuts the layer.</param>
/// <param name="AtTarget">The GETs of the layer it logged, in order.</param>
/// <param name="Elsewhere">The GETs of the layer the other proxies logged.</param>
/// <param name="ArcheioDecisions">Archeio's decision (<c>mirror:&lt;name&gt;</c>, <c>upstream</c>) for each GET of the layer it answered.</param>
internal sealed record LayerFetches(
    string Target,
    IReadOnlyList<FaultProxyEntry> AtTarget,
    IReadOnlyList<(string Proxy, FaultProxyEntry Entry)> Elsewhere,
    IReadOnlyList<string> ArcheioDecisions)
{
    public int ArcheioGets => ArcheioDecisions.Count;

    public FaultProxyEntry? First => AtTarget.Count > 0 ? AtTarget[0] : null;

    public bool FirstWasCut => First?.Cut == true;

    /// <summary>Every GET of the layer after the first at the target, wherever it went.</summary>
    public IReadOnlyList<FaultProxyEntry> FollowUps => [.. AtTarget.Skip(1), .. Elsewhere.Select(e => e.Entry)];

    public IReadOnlyList<FaultProxyEntry> Resumes => [.. FollowUps.Where(e => e.Range is not null)];

    public IReadOnlyList<FaultProxyEntry> Restarts => [.. FollowUps.Where(e => e.Range is null)];

    public bool Resumed => Resumes.Count > 0;

    /// <summary>How many follow-ups Archeio redirected (the rest went straight to where the first GET had been sent).</summary>
    public int FollowUpsViaArcheio => Math.Clamp(ArcheioGets - 1, 0, FollowUps.Count);

    /// <summary>The table's "after the cut" cell.</summary>
    public string Behaviour()
    {
        if (First is null)
        {
            return $"not cut: no GET of the layer reached the {Target}";
        }

        if (!First.Cut)
        {
            return "not cut: the first GET passed whole";
        }

        var followUps = FollowUps;
        if (followUps.Count == 0)
        {
            return "gave up (no second GET)";
        }

        var parts = new List<string>();
        if (Resumes.Count > 0)
        {
            var ranges = string.Join(", ", Resumes.Select(e => e.Range).Distinct(StringComparer.Ordinal));
            parts.Add($"resumed with Range ({ranges}){Times(Resumes.Count)}");
        }

        if (Restarts.Count > 0)
        {
            parts.Add($"restarted from zero{Times(Restarts.Count)}");
        }

        var via = FollowUpsViaArcheio == followUps.Count
            ? "via Archeio"
            : FollowUpsViaArcheio == 0 ? $"straight at the {Target}" : $"{FollowUpsViaArcheio} of {followUps.Count} via Archeio, the rest straight at the {Target}";
        return string.Join(" and ", parts) + " " + via;
    }

    /// <summary>The table's "layer GETs" cell: each GET of the layer, where it went and how it ended.</summary>
    public string Requests()
    {
        var all = AtTarget.Select(e => (Proxy: Target, Entry: e)).Concat(Elsewhere).ToList();
        return all.Count == 0
            ? "none"
            : string.Join("; ", all.Select(a => $"{a.Proxy}: {a.Entry.Range ?? "whole"} → {a.Entry.Status} {MiB(a.Entry.BytesSent)}{(a.Entry.Cut ? " CUT" : "")}"));
    }

    private static string Times(int count) => count > 1 ? " ×" + count.ToString(CultureInfo.InvariantCulture) : string.Empty;

    private static string MiB(long bytes) => (bytes / (1024.0 * 1024)).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";
}
