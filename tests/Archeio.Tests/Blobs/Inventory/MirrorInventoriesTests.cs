using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.TestBed;

namespace Archeio.Tests.Blobs.Inventory;

public sealed class MirrorInventoriesTests
{
    private static readonly DigestKey Pause = DigestKey.From(Digests.Pause);
    private static readonly DigestKey Missing = DigestKey.From(Digests.Missing);

    [Fact]
    public void A_mirror_without_an_inventory_contains_nothing()
    {
        var inventories = new MirrorInventories();

        Assert.False(inventories.Contains(0, Pause));
        Assert.False(inventories.Has(0));
        Assert.Equal(0, inventories.CountOf(0));
        Assert.False(inventories.Contains(-1, Pause));
        Assert.Equal(0, inventories.CountOf(int.MaxValue));
    }

    [Fact]
    public void A_replaced_inventory_is_what_contains_answers_from()
    {
        var inventories = new MirrorInventories();

        inventories.Replace(2, new HashSet<DigestKey> { Pause });

        Assert.True(inventories.Contains(2, Pause));
        Assert.False(inventories.Contains(2, Missing));
        Assert.True(inventories.Has(2));
        Assert.Equal(1, inventories.CountOf(2));
        Assert.False(inventories.Has(0));
        Assert.False(inventories.Contains(3, Pause));

        inventories.Replace(2, new HashSet<DigestKey> { Missing });

        Assert.False(inventories.Contains(2, Pause));
        Assert.True(inventories.Contains(2, Missing));
    }

    [Fact]
    public void Mirrors_are_independent()
    {
        var inventories = new MirrorInventories();

        inventories.Replace(1, new HashSet<DigestKey> { Pause, Missing });
        inventories.Replace(0, new HashSet<DigestKey> { Missing });

        Assert.False(inventories.Contains(0, Pause));
        Assert.True(inventories.Contains(1, Pause));
        Assert.Equal(1, inventories.CountOf(0));
        Assert.Equal(2, inventories.CountOf(1));

        inventories.Replace(0, new HashSet<DigestKey>());

        Assert.Equal(2, inventories.CountOf(1));
        Assert.True(inventories.Has(0));
        Assert.Equal(0, inventories.CountOf(0));
    }

    [Fact]
    public void A_negative_index_cannot_be_replaced()
    {
        var inventories = new MirrorInventories();

        Assert.Throws<ArgumentOutOfRangeException>(() => inventories.Replace(-1, new HashSet<DigestKey>()));
    }

    [Fact]
    public async Task Readers_see_one_whole_inventory_or_the_other_while_it_is_replaced()
    {
        var inventories = new MirrorInventories();
        var even = new HashSet<DigestKey> { Pause };
        var odd = new HashSet<DigestKey> { Missing };
        inventories.Replace(0, even);
        using var stop = new CancellationTokenSource();
        var reading = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var reader = Task.Run(() =>
        {
            var reads = 0L;
            while (!stop.IsCancellationRequested)
            {
                reading.TrySetResult();
                // Mirror 0 always has one of the two whole sets; growing the array for mirrors 1-3 never loses it.
                Assert.True(inventories.Has(0));
                Assert.Equal(1, inventories.CountOf(0));
                _ = inventories.Contains(0, Pause);
                reads++;
            }

            return reads;
        });
        await reading.Task.WaitAsync(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 20_000; i++)
        {
            inventories.Replace(0, i % 2 == 0 ? odd : even);
            inventories.Replace(1 + (i % 3), even);
        }

        await stop.CancelAsync();
        Assert.True(await reader > 0);
        Assert.True(inventories.Contains(0, Pause));
        Assert.Equal(1, inventories.CountOf(3));
    }
}
