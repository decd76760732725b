using System.Collections;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Archeio.Blobs.Cache;
using Archeio.Blobs.Inventory;
using Archeio.TestBed;
using Archeio.Tests.Support;
using Geranos.Tests.Cli;
using Geranos.Tests.Sync;
using Microsoft.Extensions.DependencyInjection;

namespace Archeio.Tests.Geranos;

/// <summary>
/// The hand-off between the products: the inventory <c>geranos sync</c> writes is the one Archeio loads. It lives
/// here, where Archeio's internals are visible; the bed and the in-process runner are Geranos.Tests' own files,
/// compiled in (see Archeio.Tests.csproj), so both projects run against the same <see cref="SyncBed"/>.
/// </summary>
[Collection(SyncBedDefinition.Name)]
public sealed class InventoryHandOffTests(SyncBed bed)
{
    [Fact]
    public async Task Archeio_loads_the_inventory_geranos_wrote()
    {
        var (exit, _, error) = await GeranosRun.RunAsync(bed.SyncArguments(["inventory"]), S3rverProcess.AccessKey, S3rverProcess.SecretKey);
        Assert.True(exit == 0, error);
        var mirror = new JsonObject
        {
            ["Name"] = "s3",
            ["BlobUrl"] = bed.S3.BucketUrl + "/inventory/containers/images/{digest}",
            ["Inventory"] = bed.S3.BucketUrl + "/inventory/geranos/inventory.txt",
        };
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(mirror),
        });

        await using var factory = new ArcheioFactory(config.Path, new Hashtable());
        var inventories = factory.Services.GetRequiredService<MirrorInventories>();

        Assert.True(inventories.Has(0));
        Assert.All(bed.AllBlobs.Keys, digest => Assert.True(inventories.Contains(0, DigestKey.From(digest)), digest));

        // With each blob's size, which Archeio counts its redirects to the mirror by (Metrics/EgressMetrics.cs).
        Assert.All(bed.AllBlobs, blob =>
        {
            Assert.True(inventories.Contains(0, DigestKey.From(blob.Key), out var size), blob.Key);
            Assert.Equal(blob.Value, size);
        });
        Assert.False(inventories.Contains(0, DigestKey.From("sha256:" + Convert.ToHexStringLower(SHA256.HashData("not mirrored"u8)))));
    }
}
