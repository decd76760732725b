using System.Globalization;
using Archeio.Blobs;
using Archeio.Blobs.SharedStore;
using Archeio.Configuration;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.SharedStore;

/// <summary>The shared result store against a real redis-server on loopback, which the tests kill, freeze and restart.</summary>
public sealed class RedisBlobResultStoreTests : IAsyncLifetime
{
    /// <summary>What a lookup may cost when Redis is down or hung: the store's own bound plus scheduling slack.</summary>
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly MirrorSettings Eu = new("eu", "https://eu.example/blobs/{digest}", 0);
    private static readonly MirrorSettings Us = new("us", "https://us.example/blobs/{digest}", 1);

    private readonly ListLogger<RedisBlobResultStore> _log = new();
    private RedisProcess _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisProcess.StartAsync();

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task An_answer_set_by_one_replica_is_read_by_another()
    {
        using var writer = await ConnectedAsync();
        using var reader = await ConnectedAsync();

        writer.Set(Eu, Digests.Pause, present: true, Hour);
        writer.Set(Eu, Digests.Missing, present: false, Hour);
        // Set does not wait for Redis: poll until the reader sees the writes.
        await Eventually.TrueAsync(async () => await reader.TryGetAsync(Eu, Digests.Missing, default) is not null, "write visible");

        Assert.Equal(new BlobAnswer(true), await reader.TryGetAsync(Eu, Digests.Pause, default));
        Assert.Equal(new BlobAnswer(false), await reader.TryGetAsync(Eu, Digests.Missing, default));
        Assert.Null(await reader.TryGetAsync(Eu, Digests.Sha512, default));
        Assert.Null(await reader.TryGetAsync(Us, Digests.Pause, default));
        Assert.Equal(2, writer.Writes);
        Assert.True(reader.Hits >= 2);
        Assert.True(reader.Misses >= 2);
        Assert.Equal(0, reader.Errors + writer.Errors);
    }

    [Fact]
    public async Task Keys_are_namespaced_and_versioned_and_values_are_1_or_0()
    {
        using var store = await ConnectedAsync();

        store.Set(Eu, Digests.Pause, present: true, Hour);
        store.Set(Us, Digests.Sha512, present: false, Hour);

        var present = "archeio:v1:blob:eu:" + Digests.Pause;
        var absent = "archeio:v1:blob:us:" + Digests.Sha512;
        Assert.Equal(present, RedisBlobResultStore.KeyFor("eu", Digests.Pause));
        await Eventually.TrueAsync(async () => await _redis.CommandAsync("EXISTS", absent) == "1", "writes arrived");
        Assert.Equal("1", await _redis.CommandAsync("GET", present));
        Assert.Equal("0", await _redis.CommandAsync("GET", absent));
        Assert.Equal("2", await _redis.CommandAsync("DBSIZE"));
    }

    [Fact]
    public async Task A_size_travels_as_1_colon_size_and_values_of_the_version_before_are_read()
    {
        using var writer = await ConnectedAsync();
        using var reader = await ConnectedAsync();
        var sized = RedisBlobResultStore.KeyFor("eu", Digests.Pause);

        writer.Set(Eu, Digests.Pause, present: true, Hour, size: 5_368_709_120);
        writer.Set(Eu, Digests.Missing, present: false, Hour, size: 12);
        await Eventually.TrueAsync(async () => await reader.TryGetAsync(Eu, Digests.Missing, default) is not null, "writes arrived");

        // Above 4 GiB, exact; an absent answer has no size.
        Assert.Equal("1:5368709120", await _redis.CommandAsync("GET", sized));
        Assert.Equal(new BlobAnswer(true, 5_368_709_120), await reader.TryGetAsync(Eu, Digests.Pause, default));
        Assert.Equal("0", await _redis.CommandAsync("GET", RedisBlobResultStore.KeyFor("eu", Digests.Missing)));

        // What the version before this one wrote (1, without a size) is present, size unknown; and the version before
        // reads "1:<size>" as no answer (its parse as a number fails), never as absent: asserted on the parse it did.
        await _redis.CommandAsync("SET", sized, "1");
        Assert.Equal(new BlobAnswer(true, -1), await reader.TryGetAsync(Eu, Digests.Pause, default));
        Assert.False(long.TryParse("1:5368709120", NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        foreach (var damaged in new[] { "1:", "1:-3", "1:x", "2", "yes" })
        {
            await _redis.CommandAsync("SET", sized, damaged);
            Assert.Null(await reader.TryGetAsync(Eu, Digests.Pause, default));
        }
    }

    [Fact]
    public async Task The_ttl_is_set_on_the_key()
    {
        using var store = await ConnectedAsync();
        var key = RedisBlobResultStore.KeyFor(Eu.Name, Digests.Pause);

        store.Set(Eu, Digests.Pause, present: true, TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(async () => await _redis.CommandAsync("EXISTS", key) == "1", "write arrived");
        var ttl = long.Parse((await _redis.CommandAsync("PTTL", key))!, CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 55_000, 60_000);

        // Sub-second precision: 1.5 s is not rounded to whole seconds.
        store.Set(Eu, Digests.Pause, present: true, TimeSpan.FromMilliseconds(1500));
        await Eventually.TrueAsync(async () => long.Parse((await _redis.CommandAsync("PTTL", key))!, CultureInfo.InvariantCulture) <= 1500, "ttl replaced");
        Assert.InRange(long.Parse((await _redis.CommandAsync("PTTL", key))!, CultureInfo.InvariantCulture), 1000, 1500);
    }

    [Fact]
    public async Task An_expired_answer_is_gone()
    {
        using var store = await ConnectedAsync();

        store.Set(Eu, Digests.Pause, present: true, TimeSpan.FromMilliseconds(200));
        await Eventually.TrueAsync(async () => await store.TryGetAsync(Eu, Digests.Pause, default) is { Present: true }, "write arrived");

        // Redis expires on its own clock: poll (bounded) until the key has gone.
        await Eventually.TrueAsync(async () => await store.TryGetAsync(Eu, Digests.Pause, default) is null, "expiry");
        Assert.Equal("0", await _redis.CommandAsync("EXISTS", RedisBlobResultStore.KeyFor(Eu.Name, Digests.Pause)));
    }

    [Fact]
    public void A_zero_ttl_writes_nothing()
    {
        using var store = Create(_redis.ConnectionString);

        store.Set(Eu, Digests.Pause, present: true, TimeSpan.Zero);

        Assert.Equal(0, store.Writes);
    }

    [Fact]
    public async Task Without_redis_start_up_and_lookups_do_not_wait()
    {
        var port = LoopbackPorts.Free();
        var constructing = TimeProvider.System.GetTimestamp();
        using var store = Create("127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + ",connectTimeout=500");
        Assert.True(TimeProvider.System.GetElapsedTime(constructing) < Quick, "constructor waited");

        // While the library's first connect attempt runs (it waits for ConnectTimeout even when the
        // port refuses), and after it has given up.
        var lookups = 0;
        bool GaveUp() => _log.At(LogLevel.Warning).Any(m => m.Contains("not reachable at start-up", StringComparison.Ordinal));
        do
        {
            await AssertQuickNullAsync(store, Digests.Pause);
            store.Set(Eu, Digests.Pause, present: true, Hour);
            lookups++;
            await Task.Delay(10);
        }
        while (!GaveUp() && lookups < 1000);

        Assert.True(GaveUp());
        await AssertQuickNullAsync(store, Digests.Pause);
        Assert.False(store.IsConnected);
        Assert.Equal((2 * lookups) + 1, store.Unavailable);
        Assert.Equal(0, store.Writes);

        // A Redis that comes up later is connected to in the background.
        await using var late = await RedisProcess.StartAsync(port);
        await Eventually.TrueAsync(() => store.IsConnected, "connected to a late Redis", TimeSpan.FromSeconds(30));
        store.Set(Eu, Digests.Pause, present: true, Hour);
        await Eventually.TrueAsync(async () => await store.TryGetAsync(Eu, Digests.Pause, default) is { Present: true }, "hit");
    }

    [Fact]
    public async Task A_killed_redis_costs_nothing_and_a_restarted_one_is_used_again()
    {
        using var store = await ConnectedAsync();
        store.Set(Eu, Digests.Pause, present: true, Hour);
        await Eventually.TrueAsync(async () => await store.TryGetAsync(Eu, Digests.Pause, default) is { Present: true }, "hit");

        await _redis.KillAsync();
        for (var i = 0; i < 50; i++)
        {
            await AssertQuickNullAsync(store, Digests.Pause);
            store.Set(Eu, Digests.Pause, present: true, Hour);
        }

        await Eventually.TrueAsync(() => _log.At(LogLevel.Warning).Any(m => m.Contains("connection lost", StringComparison.Ordinal)), "disconnection logged");
        Assert.False(store.IsConnected);

        await _redis.RestartAsync();
        await Eventually.TrueAsync(() => store.IsConnected, "reconnected", TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => _log.At(LogLevel.Information).Any(m => m.Contains("connection restored", StringComparison.Ordinal)), "restoration logged");

        // The restarted Redis is empty; the store writes and reads it again.
        Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        store.Set(Eu, Digests.Pause, present: false, Hour);
        await Eventually.TrueAsync(async () => await store.TryGetAsync(Eu, Digests.Pause, default) is { Present: false }, "hit after restart");
    }

    [Fact]
    public async Task A_hung_redis_costs_each_lookup_at_most_the_call_timeout()
    {
        using var store = await ConnectedAsync();

        await _redis.FreezeAsync();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var started = TimeProvider.System.GetTimestamp();
                Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
                var elapsed = TimeProvider.System.GetElapsedTime(started);
                Assert.True(elapsed >= RedisBlobResultStore.CallTimeout - TimeSpan.FromMilliseconds(5), $"gave up after {elapsed}");
                Assert.True(elapsed < RedisBlobResultStore.CallTimeout + Quick, $"took {elapsed}");
                store.Set(Eu, Digests.Pause, present: true, Hour);
            }
        }
        finally
        {
            await _redis.ThawAsync();
        }

        Assert.True(store.Errors >= 5);
        // Five timeouts, one log line: the rest are counted and reported with the next one.
        Assert.Single(_log.Entries, e => e.EventId == 55);
        Assert.Contains("timed out after 100 ms", _log.Entries.Single(e => e.EventId == 55).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_are_logged_at_most_once_per_interval()
    {
        var time = new FakeTimeProvider();
        using var store = await ConnectedAsync(time);
        // A key of the wrong type makes GET fail with a server error (WRONGTYPE) every time.
        var key = RedisBlobResultStore.KeyFor(Eu.Name, Digests.Pause);
        Assert.Equal("1", await _redis.CommandAsync("LPUSH", key, "x"));

        for (var i = 0; i < 20; i++)
        {
            Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        }

        Assert.Equal(20, store.Errors);
        var first = Assert.Single(_log.Entries, e => e.EventId == 55);
        Assert.Contains("WRONGTYPE", first.Message, StringComparison.Ordinal);
        Assert.Contains("(0 more errors", first.Message, StringComparison.Ordinal);

        time.Advance(RedisBlobResultStore.ErrorLogInterval - TimeSpan.FromSeconds(1));
        Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        Assert.Single(_log.Entries, e => e.EventId == 55);

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        var logged = _log.Entries.Where(e => e.EventId == 55).ToList();
        Assert.Equal(2, logged.Count);
        Assert.Contains("(20 more errors in the last 00:00:30 not logged)", logged[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Connection_strings_are_checked_for_the_configuration_reader()
    {
        Assert.Null(RedisBlobResultStore.CheckConnectionString("127.0.0.1:6379,connectTimeout=100"));
        Assert.NotNull(RedisBlobResultStore.CheckConnectionString("127.0.0.1:6379,connectTimeout=soon"));
        Assert.NotNull(RedisBlobResultStore.CheckConnectionString(","));
    }

    [Fact]
    public async Task A_foreign_value_under_the_key_is_no_answer()
    {
        using var store = await ConnectedAsync();
        Assert.Equal("OK", await _redis.CommandAsync("SET", RedisBlobResultStore.KeyFor(Eu.Name, Digests.Pause), "yes"));

        Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        Assert.Equal(1, store.Misses);
    }

    [Theory]
    [InlineData("127.0.0.1:6379", 2000, 1000)]
    [InlineData("127.0.0.1:6379,connectTimeout=300", 300, 1000)]
    [InlineData("127.0.0.1:6379,asyncTimeout=250", 2000, 250)]
    [InlineData("127.0.0.1:6379,syncTimeout=7000", 2000, 7000)]
    [InlineData("127.0.0.1:6379,abortConnect=true", 2000, 1000)]
    public void Options_default_short_timeouts_and_force_a_non_blocking_start(string connectionString, int connectTimeout, int asyncTimeout)
    {
        var options = RedisBlobResultStore.CreateOptions(connectionString);

        Assert.False(options.AbortOnConnectFail);
        Assert.Same(StackExchange.Redis.BacklogPolicy.FailFast, options.BacklogPolicy);
        Assert.Equal(connectTimeout, options.ConnectTimeout);
        Assert.Equal(asyncTimeout, options.AsyncTimeout);
    }

    [Fact]
    public async Task A_disposed_store_answers_nothing()
    {
        var store = await ConnectedAsync();
        store.Dispose();

        Assert.Null(await store.TryGetAsync(Eu, Digests.Pause, default));
        store.Set(Eu, Digests.Pause, present: true, Hour);
        store.Dispose();
    }

    private static async Task AssertQuickNullAsync(RedisBlobResultStore store, string digest)
    {
        var started = TimeProvider.System.GetTimestamp();
        Assert.Null(await store.TryGetAsync(Eu, digest, default));
        var elapsed = TimeProvider.System.GetElapsedTime(started);
        Assert.True(elapsed < Quick, $"lookup took {elapsed}");
    }

    private async Task<RedisBlobResultStore> ConnectedAsync(TimeProvider? time = null)
    {
        var store = Create(_redis.ConnectionString, time);
        await Eventually.TrueAsync(() => store.IsConnected, "connected");
        return store;
    }

    private RedisBlobResultStore Create(string connectionString, TimeProvider? time = null)
        => new(connectionString, time ?? TimeProvider.System, _log);
}
