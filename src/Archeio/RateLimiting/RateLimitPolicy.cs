using System.Collections.Immutable;
using System.Net;
using Archeio.Configuration;
using Archeio.Routing;

namespace Archeio.RateLimiting;

/// <summary>
/// Which limit applies to a client, and which of its partitions the client counts in: a pure function of the client's
/// facts (the same <see cref="ClientFacts"/> the rules match on) and the TCP peer. Exempt clients first, then the
/// limits in order, the first whose match fits (<see cref="ClientMatcher"/>); no fit, no limit.
/// </summary>
internal sealed class RateLimitPolicy(ImmutableArray<RateLimitSettings> limits, RateLimitExemptSettings exempt)
{
    public RateLimitPolicy(ArcheioSettings settings)
        : this(settings.RateLimits, settings.RateLimitExempt)
    {
    }

    /// <summary>No limit is configured: nothing to check.</summary>
    public bool IsEmpty => limits.IsEmpty;

    public ImmutableArray<RateLimitSettings> Limits => limits;

    /// <summary>
    /// The limit for the client and its partition; false when the client is exempt or no limit fits. A client whose
    /// address could not be resolved (a malformed <c>X-Forwarded-For</c>) counts as its TCP <paramref name="peer"/>: a
    /// bad header never escapes a limit. A client of unknown ASN, under a limit by ASN, counts as its own address.
    /// </summary>
    public bool TryChoose(in ClientFacts client, IPAddress? peer, out RateLimitSettings limit, out RateLimitKey key)
    {
        limit = null!;
        key = default;
        var address = client.Address ?? peer;
        if (address is null || IsExempt(address, client.Geo?.Asn))
        {
            return false;
        }

        foreach (var candidate in limits)
        {
            if (!ClientMatcher.Fits(candidate.Match, client))
            {
                continue;
            }

            limit = candidate;
            key = candidate.PartitionBy == ClientPartition.Asn && client.Geo?.Asn is { } asn
                ? RateLimitKey.OfAsn(candidate.Index, asn)
                : RateLimitKey.Of(candidate.Index, candidate.PartitionBy == ClientPartition.Asn ? ClientPartition.Address : candidate.PartitionBy, address);
            return true;
        }

        return false;
    }

    /// <summary>True when <c>RateLimitExempt</c> lists the address's network or the ASN.</summary>
    public bool IsExempt(IPAddress address, uint? asn)
        => (!exempt.Networks.IsEmpty && ClientMatcher.InAny(exempt.Networks, address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
            || (asn is { } number && exempt.Asns.Contains(number));
}
