using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>
/// One routing rule: when the client's location fits <see cref="Cloud"/> and <see cref="Regions"/>,
/// blob requests try <see cref="Mirrors"/> in order. Rules are tried in order; the first that fits wins.
/// </summary>
/// <param name="Cloud">Cloud the client must be in, or null for any client (including clients in no cloud).</param>
/// <param name="Regions">Regions of <see cref="Cloud"/> the client must be in; empty means any region.</param>
/// <param name="Mirrors">Mirrors to try, in order; empty sends blob requests to the upstream.</param>
internal sealed record RuleSettings(string? Cloud, ImmutableArray<string> Regions, ImmutableArray<MirrorSettings> Mirrors);
