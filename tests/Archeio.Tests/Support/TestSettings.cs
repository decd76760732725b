using System.Collections.Immutable;
using Archeio.Configuration;

namespace Archeio.Tests.Support;

/// <summary>Settings for unit tests: fixed example URLs, with the parts a test cares about given.</summary>
internal static class TestSettings
{
    public static readonly UpstreamSettings Upstream = new("https://registry.example", "project/images", "https://sig.example", "signatures");

    public static ArcheioSettings Create(
        ImmutableArray<MirrorSettings> mirrors = default,
        ImmutableArray<RuleSettings> rules = default,
        int maxEntries = 10,
        TimeSpan? blobCheckTimeout = null)
        => new()
        {
            Port = 8080,
            InfoUrl = "https://info.example/",
            PrivacyUrl = "https://info.example/privacy",
            Upstream = Upstream,
            ClientIp = new ClientIpSettings(1, []),
            Ranges = [],
            RangesRefresh = RangesRefreshSettings.Default with { FetchTimeout = TimeSpan.FromSeconds(1) },
            Mirrors = mirrors.IsDefault ? [] : mirrors,
            Candidates = mirrors.IsDefault ? [] : [.. mirrors],
            Rules = rules.IsDefault ? [] : rules,
            BlobCheck = BlobCheckSettings.Default(blobCheckTimeout, maxEntries),
        };
}
