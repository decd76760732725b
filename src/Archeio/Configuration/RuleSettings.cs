using System.Collections.Immutable;
using System.Net;

namespace Archeio.Configuration;

/// <summary>
/// One routing rule: when every match field that is given fits the client, blob requests try
/// <see cref="Candidates"/> in order. Rules are tried in order; the first that fits wins. A rule with no match
/// field fits everyone (a catch-all) and must be the last.
/// </summary>
/// <param name="Cloud">Cloud the client must be in, or null for any.</param>
/// <param name="Regions">Regions of <see cref="Cloud"/> the client must be in; empty means any region.</param>
/// <param name="Candidates">Where blobs are looked for, in order (the rule's <c>Mirrors</c> list); empty sends blob requests to the upstream.</param>
internal sealed record RuleSettings(string? Cloud, ImmutableArray<string> Regions, ImmutableArray<Candidate> Candidates) : IClientMatch
{
    /// <summary>Position in <c>Archeio:Rules</c>, for explanations and the route header.</summary>
    public int Index { get; init; }

    /// <summary>ISO 3166-1 alpha-2 codes (upper case) the client's country must be one of; empty means any.</summary>
    public ImmutableArray<string> Countries { get; init; } = [];

    /// <summary>Continent codes (AF, AN, AS, EU, NA, OC, SA) the client's continent must be one of; empty means any.</summary>
    public ImmutableArray<string> Continents { get; init; } = [];

    /// <summary>Autonomous system numbers the client's ASN must be one of; empty means any.</summary>
    public ImmutableArray<uint> Asns { get; init; } = [];

    /// <summary>Networks (CIDR, IPv4 or IPv6) the client's address must be inside one of; empty means any.</summary>
    public ImmutableArray<IPNetwork> Networks { get; init; } = [];

    /// <summary>
    /// What its clients get: a redirect to the target (the default), or the content itself, fetched by Archeio from the
    /// same target (<see cref="RuleAction.Proxy"/>, for networks that allow one host).
    /// </summary>
    public RuleAction Action { get; init; } = RuleAction.Redirect;

    /// <summary>Shares of this rule's clients whose first choice is another mirror.</summary>
    public ImmutableArray<SplitSettings> Split { get; init; } = [];

    /// <summary>
    /// The upstreams for this rule's non-blob requests and upstream fallbacks, in failover order (the first healthy one
    /// is used); empty: <c>Archeio:UpstreamFailover</c>, whose default is <c>Archeio:Upstream</c> alone.
    /// </summary>
    public ImmutableArray<UpstreamSettings> Upstreams { get; init; } = [];

    /// <summary>True when the rule has no match field: it fits every client.</summary>
    public bool IsCatchAll => ClientMatch.IsEveryone(this);

    /// <summary>The match in words, e.g. <c>Match Cloud=AWS Regions=us-east-1</c>, or <c>matches every client</c> (explain, the egress list).</summary>
    public string MatchInWords => ClientMatch.InWords(this);

    /// <summary>The key of the match fields (<see cref="Cloud"/>, <see cref="Regions"/>, …).</summary>
    public const string MatchKey = "Match";

    /// <summary>The key of <see cref="Candidates"/>: mirror names, <c>upstream</c>, <c>signature-upstream</c>.</summary>
    public const string MirrorsKey = "Mirrors";

    /// <summary>The key of a single upstream's name: <see cref="Upstreams"/> as a list of one (the key before failover lists).</summary>
    public const string UpstreamKey = "Upstream";

    /// <summary>The key of a <see cref="Split"/> share's candidate name.</summary>
    public const string ShareMirrorKey = "Mirror";

    /// <summary>
    /// Reads one <c>Archeio:Rules:N</c> at <paramref name="index"/>: its match fields, and the names it lists, which
    /// <see cref="SettingsLinker"/> resolves. Slots are left where the names' errors belong.
    /// </summary>
    public static RuleDraft Read(SettingsSection rule, int index)
    {
        rule.CheckKnownKeys(MatchKey, MirrorsKey, nameof(Split), UpstreamKey, nameof(Upstreams), nameof(Action));
        var errorsBefore = rule.ErrorCount;
        var match = ClientMatch.Read(rule.Section(MatchKey), out var cloudErrors);
        var matchValid = rule.ErrorCount == errorsBefore;

        var upstreams = ReadUpstreams(rule);
        var nameErrors = rule.Later();
        var mirrors = rule.Section(MirrorsKey).Children().Select(m => new NameRef(m.Path, m.Value)).ToImmutableArray();

        var shares = ImmutableArray.CreateBuilder<ShareDraft>();
        var split = rule.Section(nameof(Split));
        foreach (var share in split.Children())
        {
            share.CheckKnownKeys(ShareMirrorKey, nameof(SplitSettings.Percent));
            var shareMirror = share.Section(ShareMirrorKey);
            var shareErrors = share.Later();
            var percent = share.Int(nameof(SplitSettings.Percent), -1, 0, 100);
            if (percent < 0 && share[nameof(SplitSettings.Percent)] is null)
            {
                share.Error(nameof(SplitSettings.Percent), "is required (0 to 100)");
            }

            shares.Add(new ShareDraft(new NameRef(shareMirror.Path, shareMirror.Value), percent, shareErrors));
        }

        var unlinked = new RuleSettings(match.Cloud, match.Regions, [])
        {
            Index = index,
            Countries = match.Countries,
            Continents = match.Continents,
            Asns = match.Asns,
            Networks = match.Networks,
            Action = rule.Choice(nameof(Action), RuleAction.Redirect),
        };
        return new RuleDraft(rule.Path, unlinked, matchValid, upstreams, mirrors, shares.ToImmutable(), split.Path, cloudErrors, nameErrors, rule.Later());
    }

    /// <summary>
    /// <c>Upstreams</c> (a list of names, <c>default</c> among them for <c>Archeio:Upstream</c>), or <c>Upstream</c>
    /// (one name, as before failover lists): not both, which would leave the order in doubt.
    /// </summary>
    private static ImmutableArray<NameRef> ReadUpstreams(SettingsSection rule)
    {
        var listed = NameRef.UpstreamListOf(rule.Section(nameof(Upstreams)));
        if (rule.Text(UpstreamKey) is not { } one)
        {
            return listed;
        }

        if (!listed.IsEmpty)
        {
            rule.Error(UpstreamKey, "and Upstreams are both set: list every upstream, in order, in Upstreams");
        }

        return [new NameRef(rule.KeyOf(UpstreamKey), one)];
    }
}

/// <summary>What a rule's clients get (<c>Rules:N:Action</c>).</summary>
internal enum RuleAction
{
    /// <summary>A 307 to the target the router picked: the client fetches it itself.</summary>
    Redirect,

    /// <summary>The content, streamed by Archeio from the target the router picked (Proxying/ProxyForwarder.cs).</summary>
    Proxy,
}
