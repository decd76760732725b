using System.Collections.Immutable;

namespace Archeio.Configuration;

/// <summary>A name a rule lists (a mirror, <c>upstream</c>, an upstream), with its full key; <see cref="SettingsLinker"/> resolves it.</summary>
internal sealed record NameRef(string Key, string? Value)
{
    /// <summary>
    /// The names a list of upstreams holds (<c>Rules:N:Upstreams</c>, <c>UpstreamFailover</c>), each with its own key;
    /// one value where a list belongs is an error (it would otherwise be read as an empty list).
    /// </summary>
    public static ImmutableArray<NameRef> UpstreamListOf(SettingsSection list)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (list.Value is { Length: > 0 })
        {
            list.Error("is a list of upstream names (e.g. [\"default\", \"eu\"]), not one value");
        }

        return [.. list.Children().Select(m => new NameRef(m.Path, m.Value))];
    }
}

/// <summary>One <c>Split</c> share as read: its candidate's name is not resolved yet.</summary>
/// <param name="Mirror">The candidate's name.</param>
/// <param name="Percent">The share; -1 when unset or invalid.</param>
/// <param name="Errors">Where the name's error belongs: after the share's unknown keys, before its <c>Percent</c> errors.</param>
internal sealed record ShareDraft(NameRef Mirror, int Percent, ErrorSlot Errors);

/// <summary>
/// One rule as read, before <see cref="SettingsLinker"/> resolves the names it lists.
/// </summary>
/// <param name="Key">The rule's full key, e.g. <c>Archeio:Rules:0</c>.</param>
/// <param name="Unlinked">The rule with its match fields; no candidates, split or upstream yet.</param>
/// <param name="MatchValid">No error in <c>Match</c>: only then may an empty match make the rule a catch-all.</param>
/// <param name="Mirrors">The names of its <c>Mirrors</c> list.</param>
/// <param name="Split">Its shares.</param>
/// <param name="Upstreams">The upstreams it lists in order (<c>Upstreams</c>, or <c>Upstream</c> as a list of one); empty: <c>Archeio:UpstreamFailover</c>.</param>
/// <param name="SplitKey">Full key of its <c>Split</c>, where a total over 100% is reported.</param>
/// <param name="CloudErrors">Where a <c>Match:Cloud</c> without a range source is reported.</param>
/// <param name="NameErrors">Where its unknown upstream and mirror names are reported.</param>
/// <param name="EndErrors">Where its split total and its unreachability are reported, after every error it was read with.</param>
internal sealed record RuleDraft(
    string Key,
    RuleSettings Unlinked,
    bool MatchValid,
    ImmutableArray<NameRef> Upstreams,
    ImmutableArray<NameRef> Mirrors,
    ImmutableArray<ShareDraft> Split,
    string SplitKey,
    ErrorSlot CloudErrors,
    ErrorSlot NameErrors,
    ErrorSlot EndErrors);
