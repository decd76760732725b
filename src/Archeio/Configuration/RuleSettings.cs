using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>
/// One routing rule: when every match field that is given fits the client, blob requests try
/// <see cref="Candidates"/> in order. Rules are tried in order; the first that fits wins. A rule with no match
/// field fits everyone (a catch-all) and must be the last.
/// </summary>
/// <param name="Cloud">Cloud the client must be in, or null for any.</param>
/// <param name="Regions">Regions of <see cref="Cloud"/> the client must be in; empty means any region.</param>
/// <param name="Candidates">Where blobs are looked for, in order (the rule's <c>Mirrors</c> list); empty sends blob requests to the upstream.</param>
internal sealed record RuleSettings(string? Cloud, ImmutableArray<string> Regions, ImmutableArray<Candidate> Candidates)
{
    /// <summary>Position in <c>Archeio:Rules</c>, for explanations and the route header.</summary>
    public int Index { get; init; }

    /// <summary>ISO 3166-1 alpha-2 codes (upper case) the client's country must be one of; empty means any.</summary>
    public ImmutableArray<string> Countries { get; init; } = [];

    /// <summary>Continent codes (AF, AN, AS, EU, NA, OC, SA) the client's continent must be one of; empty means any.</summary>
    public ImmutableArray<string> Continents { get; init; } = [];

    /// <summary>Autonomous system numbers the client's ASN must be one of; empty means any.</summary>
    public ImmutableArray<uint> Asns { get; init; } = [];

    /// <summary>Shares of this rule's clients whose first choice is another mirror.</summary>
    public ImmutableArray<SplitSettings> Split { get; init; } = [];

    /// <summary>The upstream for this rule's non-blob requests and upstream fallbacks; null: <c>Archeio:Upstream</c>.</summary>
    public UpstreamSettings? Upstream { get; init; }

    /// <summary>True when the rule has no match field: it fits every client.</summary>
    public bool IsCatchAll => Cloud is null && Regions.IsEmpty && Countries.IsEmpty && Continents.IsEmpty && Asns.IsEmpty;
}
