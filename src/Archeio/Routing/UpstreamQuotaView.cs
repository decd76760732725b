using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Routing;

/// <summary>
/// Which upstreams have had their <c>MaxRequestsPerMinute</c> in the last minute, as the router sees them for one
/// request: a fact like their health (<see cref="UpstreamHealthView"/>), taken from RateLimiting/UpstreamQuotaBoard.cs.
/// Immutable; the board hands out the same view while nothing changes.
/// </summary>
internal sealed class UpstreamQuotaView
{
    private readonly ImmutableArray<bool> _saturated;

    /// <param name="saturated">By <see cref="UpstreamSettings.Index"/>; an upstream past its end is within its quota.</param>
    /// <param name="retryAfter">When the first of them has room again.</param>
    public UpstreamQuotaView(ImmutableArray<bool> saturated, TimeSpan retryAfter)
    {
        _saturated = saturated;
        RetryAfter = retryAfter;
    }

    /// <summary>Every upstream within its quota.</summary>
    public static UpstreamQuotaView None { get; } = new([], TimeSpan.Zero);

    /// <summary>When the first saturated upstream has room again: the 429's <c>Retry-After</c>.</summary>
    public TimeSpan RetryAfter { get; }

    public bool IsSaturated(UpstreamSettings upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        return (uint)upstream.Index < (uint)_saturated.Length && _saturated[upstream.Index];
    }

    /// <summary>True when the flags are <paramref name="flags"/> (the board keeps its view while they stay the same).</summary>
    public bool Holds(ReadOnlySpan<bool> flags) => flags.SequenceEqual(_saturated.AsSpan());
}
