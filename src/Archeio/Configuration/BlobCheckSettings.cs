using Archeio.Blobs.SharedStore;

namespace Archeio.Configuration;

/// <summary>How mirrors are asked whether they hold a blob; see docs/configuration.md.</summary>
/// <param name="Timeout">Most a request waits on mirror checks in total, and the limit of one HEAD.</param>
/// <param name="MaxEntries">Most (mirror, digest) answers kept in the local cache.</param>
/// <param name="PresentTtl">How long a "present" answer is kept.</param>
/// <param name="AbsentTtl">How long an "absent" answer is kept.</param>
/// <param name="BreakAfter">Consecutive failed HEADs (timeouts, connection errors, 5xx) that open a mirror's breaker.</param>
/// <param name="BreakFor">How long an open breaker skips its mirror before one trial HEAD.</param>
/// <param name="MaxConcurrent">Most HEADs in flight at once, over all mirrors.</param>
/// <param name="InventoryRefresh">How often mirror inventories are reloaded.</param>
/// <param name="Redis">StackExchange.Redis connection string of a cache shared by replicas, or null.</param>
internal sealed record BlobCheckSettings(
    TimeSpan Timeout,
    int MaxEntries,
    TimeSpan PresentTtl,
    TimeSpan AbsentTtl,
    int BreakAfter,
    TimeSpan BreakFor,
    int MaxConcurrent,
    TimeSpan InventoryRefresh,
    string? Redis)
{
    /// <summary>The defaults, with the given timeout and bound (for tests and the reader).</summary>
    public static BlobCheckSettings Default(TimeSpan? timeout = null, int maxEntries = 1_000_000)
        => new(timeout ?? TimeSpan.FromSeconds(5), maxEntries, TimeSpan.FromHours(24), TimeSpan.FromMinutes(1), 5, TimeSpan.FromSeconds(30), 256, TimeSpan.FromMinutes(5), null);

    /// <summary>Reads <c>Archeio:BlobCheck</c>; an unset key keeps its <see cref="Default"/>.</summary>
    public static BlobCheckSettings Read(SettingsSection section)
    {
        section.CheckKnownKeys(
            nameof(Timeout), nameof(MaxEntries), nameof(PresentTtl), nameof(AbsentTtl), nameof(BreakAfter), nameof(BreakFor),
            nameof(MaxConcurrent), nameof(InventoryRefresh), nameof(Redis));
        var d = Default();
        var redis = section.Text(nameof(Redis));
        if (redis is not null && RedisBlobResultStore.CheckConnectionString(redis) is { } badRedis)
        {
            // The value itself is not repeated: a connection string may hold a password.
            section.Error(nameof(Redis), "not a usable StackExchange.Redis connection string: " + badRedis);
        }

        return new BlobCheckSettings(
            section.TimeSpan(nameof(Timeout), d.Timeout, TimeSpan.FromMinutes(1)),
            section.Int(nameof(MaxEntries), d.MaxEntries, 1, 100_000_000),
            section.TimeSpan(nameof(PresentTtl), d.PresentTtl, TimeSpan.FromDays(30)),
            section.TimeSpan(nameof(AbsentTtl), d.AbsentTtl, TimeSpan.FromDays(1)),
            section.Int(nameof(BreakAfter), d.BreakAfter, 1, 1000),
            section.TimeSpan(nameof(BreakFor), d.BreakFor, TimeSpan.FromHours(1)),
            section.Int(nameof(MaxConcurrent), d.MaxConcurrent, 1, 100_000),
            section.TimeSpan(nameof(InventoryRefresh), d.InventoryRefresh, TimeSpan.FromDays(1)),
            redis);
    }
}
