using System.Collections.Immutable;
using System.Net;

namespace Archeio.Configuration;

/// <summary>What a rate limit counts as one client (<c>RateLimits:N:PartitionBy</c>).</summary>
internal enum ClientPartition
{
    /// <summary>Each client address has its own bucket.</summary>
    Address,

    /// <summary>
    /// Each /24 (IPv4) or /56 (IPv6) network has one: the usual allocation to one customer (RIPE-690 recommends a /56
    /// per site), so a client cannot escape its limit by walking the addresses of its own network.
    /// </summary>
    Network,

    /// <summary>Each autonomous system has one (needs <c>Geo:AsnDatabase</c>); a client of unknown ASN has its address's.</summary>
    Asn,
}

/// <summary>
/// One rate limit (<c>Archeio:RateLimits:N</c>): the clients its <see cref="Match"/> fits (as a rule's match, through
/// <see cref="Routing.ClientMatcher"/>), partitioned by <see cref="PartitionBy"/>, each partition with a token bucket
/// of <see cref="Burst"/> tokens refilled at <see cref="PermitsPerMinute"/>. Limits are tried in order; the first whose
/// match fits the client applies (RateLimiting/RateLimitPolicy.cs).
/// </summary>
/// <param name="Name">The limit's name: the metric label and the access log's decision (<c>rate-limited:&lt;name&gt;</c>).</param>
/// <param name="Match">Which clients it applies to.</param>
/// <param name="PartitionBy">What counts as one client.</param>
/// <param name="PermitsPerMinute">Tokens added to a partition's bucket per minute (spread evenly: one every 60/N s).</param>
/// <param name="Burst">The bucket's size: requests a partition may make at once after being idle.</param>
/// <param name="Shared">Counted in Redis (<c>BlobCheck:Redis</c>) across replicas; locally when Redis cannot answer.</param>
internal sealed record RateLimitSettings(string Name, ClientMatch Match, ClientPartition PartitionBy, int PermitsPerMinute, int Burst, bool Shared)
{
    /// <summary>The largest <see cref="PermitsPerMinute"/> and <see cref="Burst"/>: far above any one client's pull.</summary>
    public const int MaxPermits = 100_000_000;

    /// <summary>Position in <c>Archeio:RateLimits</c>.</summary>
    public int Index { get; init; }

    /// <summary>The access log's decision and the metric's label for a request this limit refused.</summary>
    public string Decision => "rate-limited:" + Name;

    /// <summary>Reads one <c>Archeio:RateLimits:N</c> at <paramref name="index"/>; <paramref name="taken"/> holds the names before it.</summary>
    public static RateLimitDraft Read(SettingsSection limit, int index, ISet<string> taken)
    {
        ArgumentNullException.ThrowIfNull(limit);
        ArgumentNullException.ThrowIfNull(taken);
        limit.CheckKnownKeys(nameof(Name), RuleSettings.MatchKey, nameof(PartitionBy), nameof(PermitsPerMinute), nameof(Burst), nameof(Shared));
        var name = limit.Text(nameof(Name))?.Trim() ?? "limit-" + index.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            limit.Error(nameof(Name), $"'{name}' may not contain spaces");
        }
        else if (!taken.Add(name))
        {
            limit.Error(nameof(Name), $"'{name}' is taken by an earlier limit");
        }

        var errorsBefore = limit.ErrorCount;
        var match = ClientMatch.Read(limit.Section(RuleSettings.MatchKey), out var cloudErrors);
        var matchValid = limit.ErrorCount == errorsBefore;
        var partition = limit.Choice(nameof(PartitionBy), ClientPartition.Address);
        var permits = limit.Int(nameof(PermitsPerMinute), 0, 1, MaxPermits);
        if (limit[nameof(PermitsPerMinute)] is null)
        {
            limit.Error(nameof(PermitsPerMinute), $"is required (1 to {MaxPermits})");
        }

        // A bucket as large as a minute's permits by default: a client may use its minute at once, never more.
        var burst = limit.Int(nameof(Burst), Math.Max(1, permits), 1, MaxPermits);
        var shared = limit.Bool(nameof(Shared), false);
        var settings = new RateLimitSettings(name, match, partition, Math.Max(1, permits), burst, shared) { Index = index };
        return new RateLimitDraft(limit.Path, settings, matchValid, cloudErrors, limit.Later());
    }
}

/// <summary>One rate limit as read, with the slots for what linking finds about it.</summary>
/// <param name="Key">Its full key, e.g. <c>Archeio:RateLimits:0</c>.</param>
/// <param name="Limit">The limit.</param>
/// <param name="MatchValid">No error in its <c>Match</c>: only then may an empty one make it fit everyone.</param>
/// <param name="CloudErrors">Where a <c>Match:Cloud</c> without a range source is reported.</param>
/// <param name="EndErrors">Where its unreachability and missing Redis or ASN database are reported.</param>
internal sealed record RateLimitDraft(string Key, RateLimitSettings Limit, bool MatchValid, ErrorSlot CloudErrors, ErrorSlot EndErrors);

/// <summary>
/// Clients no rate limit applies to (<c>Archeio:RateLimitExempt</c>): the networks and autonomous systems of one's own
/// CI, mirrors, or a partner's NAT. Checked before the limits.
/// </summary>
internal sealed record RateLimitExemptSettings(ImmutableArray<IPNetwork> Networks, ImmutableArray<uint> Asns)
{
    public static RateLimitExemptSettings None { get; } = new([], []);

    public bool IsEmpty => Networks.IsEmpty && Asns.IsEmpty;

    public static RateLimitExemptSettings Read(SettingsSection section)
    {
        ArgumentNullException.ThrowIfNull(section);
        section.CheckKnownKeys(nameof(Networks), nameof(Asns));
        var networks = section.Cidrs(nameof(Networks));
        var asns = section.Asns(nameof(Asns));
        return networks.IsEmpty && asns.IsEmpty ? None : new RateLimitExemptSettings(networks, asns);
    }
}
