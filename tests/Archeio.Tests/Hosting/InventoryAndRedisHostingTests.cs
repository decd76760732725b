using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.Blobs.SharedStore;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Archeio.Tests.TestBed;
using Microsoft.Extensions.DependencyInjection;

namespace Archeio.Tests.Hosting;

/// <summary>The inventories and the shared store as the server wires them from its configuration.</summary>
public sealed class InventoryAndRedisHostingTests : IDisposable
{
    private readonly TempDirectory _directory = new("inventory-hosting");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Inventories_are_loaded_and_redis_is_used_when_configured()
    {
        await using var redis = await RedisProcess.StartAsync();
        var inventory = _directory.Combine("inventory.txt");
        await File.WriteAllTextAsync(inventory, Digests.Pause + "\n");
        using var config = Config(inventory, redis.ConnectionString);
        await using var factory = new ArcheioFactory(config.Path, new Hashtable());

        // Services starts the host: hosted services have run their StartAsync by then.
        var inventories = factory.Services.GetRequiredService<MirrorInventories>();
        var store = factory.Services.GetRequiredService<IBlobResultStore>();

        Assert.True(inventories.Contains(0, DigestKey.From(Digests.Pause)));
        var redisStore = Assert.IsType<RedisBlobResultStore>(store);
        await Eventually.TrueAsync(() => redisStore.IsConnected, "connected");
    }

    [Fact]
    public async Task A_failing_inventory_and_a_dead_redis_do_not_stop_the_server()
    {
        using var config = Config("http://127.0.0.1:1/geranos/inventory.txt", "127.0.0.1:" + LoopbackPorts.Free());
        await using var factory = new ArcheioFactory(config.Path, new Hashtable());
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(new Uri("/v2/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(factory.Services.GetRequiredService<MirrorInventories>().Has(0));
        Assert.Null(await factory.Services.GetRequiredService<IBlobResultStore>().TryGetAsync(
            new Archeio.Configuration.MirrorSettings("m0", "https://m0.example/{digest}"), Digests.Pause, default));
    }

    [Fact]
    public void Without_redis_the_store_is_the_null_one()
    {
        using var config = Config(null, null);
        using var factory = new ArcheioFactory(config.Path, new Hashtable());

        Assert.Same(NullBlobResultStore.Instance, factory.Services.GetRequiredService<IBlobResultStore>());
    }

    private static TempConfig Config(string? inventory, string? redis)
    {
        var mirror = new JsonObject { ["Name"] = "m0", ["BlobUrl"] = "https://m0.example/blobs/{digest}" };
        if (inventory is not null)
        {
            mirror["Inventory"] = inventory;
        }

        var archeio = new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(mirror),
        };
        if (redis is not null)
        {
            archeio["BlobCheck"] = new JsonObject { ["Redis"] = redis };
        }

        return new TempConfig(archeio);
    }
}
