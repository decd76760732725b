using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Routing;

/// <summary>
/// Which upstreams are ejected, as the router sees them for one request: a fact like the client's cloud, taken from
/// the health board (Upstreams/UpstreamHealthBoard.cs) as it stood, or made up by <c>explain --check</c> from its own
/// probes. Immutable: the board swaps in a new view on every ejection and recovery, so a request reads one field.
/// </summary>
internal sealed class UpstreamHealthView
{
    private readonly ImmutableArray<bool> _ejected;

    /// <param name="ejected">By <see cref="UpstreamSettings.Index"/>; an upstream past its end is healthy.</param>
    public UpstreamHealthView(ImmutableArray<bool> ejected) => _ejected = ejected;

    /// <summary>Every upstream healthy: the view before any probe, and of a configuration without failover lists.</summary>
    public static UpstreamHealthView AllHealthy { get; } = new([]);

    public bool IsEjected(UpstreamSettings upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        return (uint)upstream.Index < (uint)_ejected.Length && _ejected[upstream.Index];
    }

    /// <summary>This view with <paramref name="upstream"/> ejected or not.</summary>
    public UpstreamHealthView With(UpstreamSettings upstream, bool ejected)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        var flags = _ejected.IsDefault ? ImmutableArray.CreateBuilder<bool>() : _ejected.ToBuilder();
        while (flags.Count <= upstream.Index)
        {
            flags.Add(false);
        }

        flags[upstream.Index] = ejected;
        return new UpstreamHealthView(flags.ToImmutable());
    }
}
