using System.Globalization;
using Archeio.Blobs.Cache;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.Cache;

public sealed class BlobPresenceCacheTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Present_and_absent_answers_expire_after_their_own_ttls()
    {
        var cache = new BlobPresenceCache(100, _time);
        cache.Set(Key(1), present: true, TimeSpan.FromHours(24));
        cache.Set(Key(2), present: false, TimeSpan.FromMinutes(1));

        _time.Advance(TimeSpan.FromSeconds(59));
        Assert.True(cache.TryGet(Key(1), out var present1) && present1);
        Assert.True(cache.TryGet(Key(2), out var present2) && !present2);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.TryGet(Key(2), out _));
        Assert.Equal(1, cache.Expirations);
        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet(Key(1), out present1) && present1);

        _time.Advance(TimeSpan.FromHours(24));
        Assert.False(cache.TryGet(Key(1), out _));
        Assert.Equal(2, cache.Expirations);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Evictions);
    }

    [Fact]
    public void A_missing_key_is_a_miss_and_counts_nothing()
    {
        var cache = new BlobPresenceCache(10, _time);

        Assert.False(cache.TryGet(Key(1), out var present));
        Assert.False(present);
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Expirations);
    }

    [Fact]
    public void The_mirror_is_part_of_the_key()
    {
        var cache = new BlobPresenceCache(10, _time);
        cache.Set(Key(1, mirror: 0), present: true, Hour);
        cache.Set(Key(1, mirror: 1), present: false, Hour);

        Assert.True(cache.TryGet(Key(1, mirror: 0), out var present0) && present0);
        Assert.True(cache.TryGet(Key(1, mirror: 1), out var present1) && !present1);
        Assert.False(cache.TryGet(Key(1, mirror: 2), out _));
    }

    [Fact]
    public void The_least_recently_used_entry_is_evicted_and_a_read_saves_one()
    {
        var cache = new BlobPresenceCache(3, _time);
        cache.Set(Key(1), true, Hour);
        cache.Set(Key(2), true, Hour);
        cache.Set(Key(3), true, Hour);

        Assert.True(cache.TryGet(Key(1), out _));
        cache.Set(Key(4), true, Hour);

        Assert.False(cache.TryGet(Key(2), out _));
        Assert.True(cache.TryGet(Key(1), out _));
        Assert.True(cache.TryGet(Key(3), out _));
        Assert.True(cache.TryGet(Key(4), out _));
        Assert.Equal(1, cache.Evictions);
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void An_overwrite_changes_the_answer_refreshes_the_ttl_and_saves_from_eviction()
    {
        var cache = new BlobPresenceCache(2, _time);
        cache.Set(Key(1), present: true, TimeSpan.FromMinutes(1));
        cache.Set(Key(2), present: true, TimeSpan.FromMinutes(1));
        _time.Advance(TimeSpan.FromSeconds(50));

        cache.Set(Key(1), present: false, TimeSpan.FromMinutes(1));
        Assert.Equal(2, cache.Count);
        _time.Advance(TimeSpan.FromSeconds(50));

        Assert.True(cache.TryGet(Key(1), out var present) && !present);
        Assert.False(cache.TryGet(Key(2), out _));

        // Key 1 was rewritten after key 2, so key 2 is the victim whichever of them a read touched.
        cache.Set(Key(2), true, Hour);
        cache.Set(Key(1), true, Hour);
        cache.Set(Key(3), true, Hour);
        Assert.True(cache.TryGet(Key(1), out _));
        Assert.False(cache.TryGet(Key(2), out _));
    }

    [Fact]
    public void Remove_drops_a_live_entry_and_reports_an_expired_or_missing_one_as_false()
    {
        var cache = new BlobPresenceCache(10, _time);
        cache.Set(Key(1), true, Hour);
        cache.Set(Key(2), false, TimeSpan.FromSeconds(1));

        Assert.True(cache.Remove(Key(1)));
        Assert.False(cache.TryGet(Key(1), out _));
        Assert.False(cache.Remove(Key(1)));
        Assert.False(cache.Remove(Key(3)));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(cache.Remove(Key(2)));
        Assert.Equal(1, cache.Expirations);
        Assert.Equal(0, cache.Count);

        // Freed slots are reused.
        for (var i = 0; i < 10; i++)
        {
            cache.Set(Key(100 + i), true, Hour);
        }

        Assert.Equal(10, cache.Count);
        Assert.Equal(0, cache.Evictions);
    }

    [Fact]
    public void An_expired_victim_counts_as_an_expiry_and_a_live_one_as_an_eviction()
    {
        var cache = new BlobPresenceCache(2, _time);
        cache.Set(Key(1), false, TimeSpan.FromSeconds(1));
        cache.Set(Key(2), true, Hour);
        _time.Advance(TimeSpan.FromSeconds(2));

        cache.Set(Key(3), true, Hour);
        Assert.Equal((0L, 1L), (cache.Evictions, cache.Expirations));

        cache.Set(Key(4), true, Hour);
        Assert.Equal((1L, 1L), (cache.Evictions, cache.Expirations));
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet(Key(2), out _));
    }

    [Fact]
    public void Capacity_one_keeps_the_last_key()
    {
        var cache = new BlobPresenceCache(1, _time);
        Assert.Equal(1, cache.ShardCount);

        cache.Set(Key(1), true, Hour);
        cache.Set(Key(2), false, Hour);

        Assert.Equal(1, cache.Count);
        Assert.False(cache.TryGet(Key(1), out _));
        Assert.True(cache.TryGet(Key(2), out var present) && !present);
        Assert.Equal(1, cache.Evictions);
    }

    [Theory]
    [InlineData(1, 16, 1)]
    [InlineData(3, 16, 2)]
    [InlineData(7, 16, 4)]
    [InlineData(15, 8, 8)]
    [InlineData(100, 5, 4)]
    public void A_capacity_below_the_shard_count_takes_fewer_shards_and_stays_exact(int capacity, int shards, int expectedShards)
    {
        var cache = new BlobPresenceCache(capacity, _time, shards);
        Assert.Equal(expectedShards, cache.ShardCount);

        for (var i = 0; i < 1000; i++)
        {
            cache.Set(Key(i), true, Hour);
            Assert.True(cache.Count <= capacity);
        }

        Assert.Equal(capacity, cache.Count);
        Assert.Equal(1000 - capacity, cache.Evictions);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1023)]
    [InlineData(2048)]
    [InlineData(10_000)]
    [InlineData(1_000_000)]
    [InlineData(1_000_003)]
    public void Shard_capacities_sum_to_the_capacity(int capacity)
    {
        var cache = new BlobPresenceCache(capacity, _time);

        Assert.True(cache.ShardCount is 1 or 2 or 4 or 8 or 16);
        Assert.True(cache.ShardCount <= capacity);
        Assert.Equal(capacity, Enumerable.Range(0, cache.ShardCount).Sum(cache.ShardCapacity));
        Assert.Equal(capacity, cache.Capacity);
    }

    [Fact]
    public void A_large_cache_takes_sixteen_shards_and_a_small_one_a_single_exact_lru()
    {
        Assert.Equal(16, new BlobPresenceCache(1_000_000, _time).ShardCount);
        Assert.Equal(8, new BlobPresenceCache(10_000, _time).ShardCount);
        Assert.Equal(1, new BlobPresenceCache(2047, _time).ShardCount);
    }

    [Theory]
    [InlineData(1000, 0)]
    [InlineData(1000, 16)]
    public void The_bound_holds_exactly_under_sequential_inserts(int capacity, int shards)
    {
        var cache = shards == 0 ? new BlobPresenceCache(capacity, _time) : new BlobPresenceCache(capacity, _time, shards);

        for (var i = 0; i < 10 * capacity; i++)
        {
            cache.Set(Key(i), i % 3 == 0, Hour);
            Assert.True(cache.Count <= capacity);
            if (shards == 0)
            {
                // One shard: exactly the global LRU, so it is full as soon as it has seen `capacity` keys.
                Assert.Equal(Math.Min(i + 1, capacity), cache.Count);
            }
        }

        Assert.Equal(capacity, cache.Count);
        Assert.Equal((9L * capacity, 0L), (cache.Evictions, cache.Expirations));
        if (shards == 0)
        {
            Assert.All(Enumerable.Range(0, 9 * capacity), i => Assert.False(cache.TryGet(Key(i), out _)));
            Assert.All(Enumerable.Range(9 * capacity, capacity), i => Assert.True(cache.TryGet(Key(i), out var present) && present == (i % 3 == 0)));
        }
    }

    [Fact]
    public async Task The_bound_holds_exactly_under_parallel_inserts()
    {
        const int Capacity = 10_000;
        const int Tasks = 8;
        const int KeysPerTask = 50_000;
        var cache = new BlobPresenceCache(Capacity, TimeProvider.System);
        Assert.Equal(8, cache.ShardCount);
        var keys = Enumerable.Range(0, Tasks).Select(t => RandomKeys(KeysPerTask, seed: t)).ToArray();

        using var done = new CancellationTokenSource();
        var maxSeen = 0;
        var monitor = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
            {
                maxSeen = Math.Max(maxSeen, cache.Count);
            }
        });
        var writers = Enumerable.Range(0, Tasks).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            foreach (var key in keys[t])
            {
                cache.Set(key, present: true, Hour);
                cache.TryGet(keys[random.Next(Tasks)][random.Next(KeysPerTask)], out _);
                if (random.Next(16) == 0)
                {
                    cache.Remove(keys[random.Next(Tasks)][random.Next(KeysPerTask)]);
                }
            }
        })).ToArray();
        await Task.WhenAll(writers);
        await done.CancelAsync();
        await monitor;

        Assert.True(maxSeen <= Capacity, $"saw {maxSeen} entries");
        Assert.True(cache.Count <= Capacity);

        // Every key the index and list still hold answers, and nothing else does: the structures agree.
        var hits = keys.SelectMany(k => k).Count(k => cache.TryGet(k, out _));
        Assert.Equal(cache.Count, hits);

        // Refill with fresh keys only (no removals): every shard fills, and every insert past that evicts.
        var before = cache.Evictions;
        var count = cache.Count;
        var fresh = RandomKeys(20 * Capacity, seed: 99);
        await Task.WhenAll(Enumerable.Range(0, Tasks).Select(t => Task.Run(() =>
        {
            for (var i = t; i < fresh.Length; i += Tasks)
            {
                cache.Set(fresh[i], present: false, Hour);
            }
        })));

        Assert.Equal(Capacity, cache.Count);
        Assert.Equal(fresh.Length - (Capacity - count), cache.Evictions - before);
        Assert.Equal(0, cache.Expirations);
    }

    /// <summary>Random operations on a one-shard cache and on the reference LRU: every answer and counter agrees.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 3)]
    [InlineData(5, 4)]
    [InlineData(8, 5)]
    [InlineData(13, 6)]
    public void Random_operations_agree_with_a_reference_lru(int capacity, int seed)
    {
        var cache = new BlobPresenceCache(capacity, _time);
        Assert.Equal(1, cache.ShardCount);
        var model = new ReferenceLru(capacity, _time);

        RunAgainstModel(cache, _ => model, () => (model.Count, model.Evictions, model.Expirations), capacity, seed);
    }

    /// <summary>The same with several shards, each modelled as its own reference LRU of its own capacity.</summary>
    [Theory]
    [InlineData(4, 4, 7)]
    [InlineData(9, 4, 8)]
    [InlineData(16, 16, 9)]
    [InlineData(37, 8, 10)]
    public void Random_operations_on_shards_agree_with_one_reference_lru_per_shard(int capacity, int shards, int seed)
    {
        var cache = new BlobPresenceCache(capacity, _time, shards);
        Assert.Equal(shards, cache.ShardCount);
        var models = Enumerable.Range(0, shards).Select(s => new ReferenceLru(cache.ShardCapacity(s), _time)).ToArray();

        RunAgainstModel(
            cache,
            key => models[cache.ShardOf(key)],
            () => (models.Sum(m => m.Count), models.Sum(m => m.Evictions), models.Sum(m => m.Expirations)),
            capacity,
            seed);
    }

    [Fact]
    public void Digests_alike_in_their_leading_bits_still_spread_over_shards_and_buckets()
    {
        // Such digests all share DigestKey.GetHashCode(); a client could send them on purpose.
        var keys = Enumerable.Range(0, 4096)
            .Select(i => new BlobKey(0, DigestKey.From("sha256:" + new string('0', 48) + i.ToString("x16", CultureInfo.InvariantCulture))))
            .ToArray();
        Assert.Single(keys.Select(k => k.Digest.GetHashCode()).Distinct());

        var cache = new BlobPresenceCache(1_000_000, _time);
        var perShard = keys.GroupBy(k => cache.ShardOf(k)).Select(g => g.Count()).ToArray();
        Assert.Equal(16, perShard.Length);
        Assert.All(perShard, n => Assert.InRange(n, 128, 384));

        var buckets = keys.Select(k => BlobKeyHash.Of(k.Mirror, k.Digest) & 0xFFFF).Distinct().Count();
        Assert.True(buckets > 3900, $"{buckets} distinct buckets of 65,536 for 4,096 keys");
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobPresenceCache(0, _time));
        Assert.Throws<ArgumentNullException>(() => new BlobPresenceCache(1, null!));
        var cache = new BlobPresenceCache(1, _time);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Set(Key(1), true, TimeSpan.Zero));
    }

    [Fact]
    public void A_huge_ttl_saturates_instead_of_overflowing()
    {
        var cache = new BlobPresenceCache(1, _time);
        cache.Set(Key(1), true, TimeSpan.MaxValue);
        _time.Advance(TimeSpan.FromDays(3650));

        Assert.True(cache.TryGet(Key(1), out var present) && present);
    }

    private void RunAgainstModel(BlobPresenceCache cache, Func<BlobKey, ReferenceLru> modelOf, Func<(int, long, long)> modelCounters, int capacity, int seed)
    {
        var random = new Random(seed);
        // Few keys over two mirrors, so hits, overwrites, evictions and expiries are all frequent.
        var keys = Enumerable.Range(0, (capacity * 2) + 3).Select(i => Key(i / 2, mirror: i % 2)).ToArray();
        TimeSpan[] ttls = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(10), Hour];

        for (var step = 0; step < 20_000; step++)
        {
            var key = keys[random.Next(keys.Length)];
            var model = modelOf(key);
            switch (random.Next(10))
            {
                case < 4:
                    var found = cache.TryGet(key, out var present);
                    var expectedFound = model.TryGet(key, out var expectedPresent);
                    Assert.True(expectedFound == found, $"step {step}: TryGet found {found}, model {expectedFound}");
                    Assert.True(expectedPresent == present, $"step {step}: TryGet answered {present}, model {expectedPresent}");
                    break;
                case < 8:
                    var answer = random.Next(2) == 0;
                    var ttl = ttls[random.Next(ttls.Length)];
                    cache.Set(key, answer, ttl);
                    model.Set(key, answer, ttl);
                    break;
                case 8:
                    Assert.True(model.Remove(key) == cache.Remove(key), $"step {step}: Remove disagrees");
                    break;
                default:
                    _time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 2000)));
                    break;
            }

            Assert.Equal(modelCounters(), (cache.Count, cache.Evictions, cache.Expirations));
        }
    }

    private static BlobKey Key(int n, int mirror = 0)
        => new(mirror, DigestKey.From("sha256:" + n.ToString("x64", CultureInfo.InvariantCulture)));

    private static BlobKey[] RandomKeys(int count, int seed)
    {
        var random = new Random(seed);
        var bytes = new byte[32];
        var keys = new BlobKey[count];
        for (var i = 0; i < count; i++)
        {
            random.NextBytes(bytes);
            keys[i] = new BlobKey(i % 4, DigestKey.From("sha256:" + Convert.ToHexStringLower(bytes)));
        }

        return keys;
    }
}
