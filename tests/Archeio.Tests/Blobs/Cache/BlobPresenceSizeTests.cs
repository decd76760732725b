using System.Runtime.CompilerServices;
using Archeio.Blobs.Cache;
using Archeio.TestBed;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Blobs.Cache;

/// <summary>The blob's size kept with its answer: 40 bits packed into the 60-byte slot, exact up to 1 TiB.</summary>
public sealed class BlobPresenceSizeTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void A_slot_is_60_bytes()
        => Assert.Equal(60, Unsafe.SizeOf<BlobPresenceEntry>());

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(1L, 1L)]
    [InlineData(4_294_967_295L, 4_294_967_295L)]
    [InlineData(4_294_967_296L, 4_294_967_296L)]
    [InlineData(53_687_091_200L, 53_687_091_200L)]
    [InlineData(BlobPresenceEntry.MaxSize, BlobPresenceEntry.MaxSize)]
    [InlineData(BlobPresenceEntry.MaxSize + 1, -1L)]
    [InlineData(long.MaxValue, -1L)]
    [InlineData(-1L, -1L)]
    [InlineData(-7L, -1L)]
    public void A_size_round_trips_and_one_beyond_1_TiB_is_unknown(long size, long kept)
    {
        var entry = default(BlobPresenceEntry);
        entry.SetMirror(BlobPresenceEntry.MaxMirror);
        entry.SetSize(size);

        Assert.Equal(kept, entry.Size);
        Assert.Equal(BlobPresenceEntry.MaxMirror, entry.Mirror);

        // The mirror's word shares its top byte with the size: setting one keeps the other.
        entry.SetMirror(3);
        Assert.Equal(kept, entry.Size);
        Assert.Equal(3, entry.Mirror);
    }

    [Fact]
    public void The_cache_keeps_the_size_with_the_answer_and_an_overwrite_replaces_it()
    {
        var cache = new BlobPresenceCache(100, new FakeTimeProvider());
        var key = new BlobKey(2, DigestKey.From(Digests.Pause));
        var other = new BlobKey(3, DigestKey.From(Digests.Pause));

        cache.Set(key, present: true, Day, size: 5_000_000_000);
        cache.Set(other, present: false, Day);

        Assert.True(cache.TryGet(key, out var present, out var size));
        Assert.True(present);
        Assert.Equal(5_000_000_000, size);
        Assert.True(cache.TryGet(other, out present, out size));
        Assert.False(present);
        Assert.Equal(-1, size);

        cache.Set(key, present: true, Day);
        Assert.True(cache.TryGet(key, out _, out size));
        Assert.Equal(-1, size);
    }

    [Fact]
    public void Sizes_survive_the_arrays_growing_and_the_LRU_reusing_slots()
    {
        var cache = new BlobPresenceCache(64, new FakeTimeProvider(), shards: 1);
        for (var i = 0; i < 200; i++)
        {
            cache.Set(new BlobKey(i % 5, DigestKey.From(Digest(i))), present: true, Day, size: (1L << 33) + i);
        }

        for (var i = 200 - 64; i < 200; i++)
        {
            Assert.True(cache.TryGet(new BlobKey(i % 5, DigestKey.From(Digest(i))), out _, out var size));
            Assert.Equal((1L << 33) + i, size);
        }
    }

    [Fact]
    public void A_slot_beyond_24_bits_is_refused()
        => Assert.Throws<ArgumentOutOfRangeException>(
            () => new BlobPresenceCache(10, new FakeTimeProvider()).Set(new BlobKey(BlobPresenceEntry.MaxMirror + 1, DigestKey.From(Digests.Pause)), true, Day));

    private static string Digest(int i) => "sha256:" + i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture);
}
