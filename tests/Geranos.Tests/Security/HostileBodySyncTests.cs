using System.Text.Json;
using Archeio.TestBed;
using Geranos.Destination;
using Geranos.Tests.Cli;
using Geranos.Tests.Destination;

namespace Geranos.Tests.Security;

/// <summary>
/// Issue 9, mirror-tool side: whatever a source sends as a blob body, nothing corrupt or partial ever becomes visible
/// under a digest key, the manifests needing it are not recorded, the run ends (exit 1) and the honest blobs of the
/// same run are mirrored. The whole <c>geranos sync</c> path runs: a raw-socket source (<see cref="HostileSource"/>)
/// over loopback, the real s3rver. Every hostile body is in one run per size, so the retries and timeouts of all
/// of them overlap (the class stays fast). The unit-level cases (copier alone) are in <see cref="VerifiedBlobCopierTests"/>.
/// </summary>
[Collection(S3DestinationDefinition.Name)]
public sealed class HostileBodySyncTests(S3DestinationFixture fixture)
{
    private const int PartSize = 5 * 1024 * 1024;

    /// <summary>Far above the slowest case (three timed-out attempts, 1 s and 2 s apart): a run that hangs fails here.</summary>
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(120);

    /// <summary>The failure reason each hostile body must produce.</summary>
    private static readonly Dictionary<string, Func<int, string>> Reasons = new(StringComparer.Ordinal)
    {
        ["cut-with-length"] = _ => "copy failed after 3 attempts",
        ["cut-without-length"] = size => $"size mismatch: expected {size} bytes, got {size * 3 / 4}",
        ["wrong-bytes"] = _ => "digest mismatch: content is sha256:",
        ["length-below-sent"] = size => $"size mismatch: expected {size} bytes, got {size - 1}",
        ["length-above-sent"] = _ => "copy failed after 3 attempts",
        ["length-above-manifest"] = size => $"size mismatch: expected {size} bytes, got more",
        ["longer-without-length"] = size => $"size mismatch: expected {size} bytes, got more",
        ["chunked-garbage"] = _ => "copy failed after 3 attempts",
        ["drip"] = _ => "(--source-timeout)",
        ["stall"] = _ => "(--source-timeout)",
    };

    [Theory]
    [InlineData(100 * 1024)] // one part: read into memory, one PutObject
    [InlineData((2 * PartSize) + (1024 * 1024))] // three parts: a multipart upload is under way when the body goes wrong
    public async Task No_hostile_body_becomes_visible_and_the_honest_blobs_are_mirrored(int size)
    {
        await using var registry = new HostileRegistry();
        var hostile = new Dictionary<string, string>(StringComparer.Ordinal);
        var seed = 90;
        foreach (var name in HostileBodies.Names)
        {
            var digest = registry.AddBlob(TestBlob.Create(size, seed++).Content);
            registry.BlobBodies[digest] = HostileBodies.For(name, lead: size > PartSize ? PartSize + (512 * 1024) : 1024);
            _ = registry.AddImage(name, (digest, size));
            hostile[name] = digest;
        }

        var honestLayer = registry.AddBlob(TestBlob.Create(size, seed).Content);
        var honest = registry.AddImage("honest", (honestLayer, size));
        var mirror = fixture.NewMirror();

        var (exit, output, error) = await RunAsync(registry, mirror);

        Assert.True(exit == 1, $"exit {exit}\n{output}\n{error}");
        var summary = JsonDocument.Parse(output).RootElement;
        var failures = summary.GetProperty("failures").EnumerateArray()
            .ToDictionary(f => f.GetProperty("subject").GetString()!, f => f.GetProperty("reason").GetString()!, StringComparer.Ordinal);
        foreach (var (name, digest) in hostile)
        {
            Assert.True(failures.TryGetValue(digest, out var reason), $"{name}: no failure reported for {digest}\n{error}");
            Assert.True(reason.Contains(Reasons[name](size), StringComparison.Ordinal), $"{name}: {reason}");
        }

        Assert.Equal(HostileBodies.Names.Count, summary.GetProperty("blobsFailed").GetInt64());

        // Visible afterwards: every honest blob (each image's config, the honest layer), one marker, the inventory.
        var blobs = await mirror.ListBlobsAsync(default);
        var expectedBlobs = registry.Blobs.Keys.Except(hostile.Values, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        Assert.Contains(honestLayer, expectedBlobs);
        Assert.Equal(expectedBlobs, blobs.Keys.Order(StringComparer.Ordinal));
        Assert.All(blobs, b => Assert.Equal(registry.Blobs[b.Key].Length, b.Value));
        Assert.Equal([honest], await mirror.ListMarkersAsync(default));
        var keys = (await mirror.ListObjectsAsync(mirror.Url.KeyPrefix, default)).Select(o => o.Key).ToList();
        Assert.DoesNotContain(keys, k => hostile.Values.Any(d => k.Contains(d["sha256:".Length..], StringComparison.Ordinal)));
        Assert.Equal(expectedBlobs, (await mirror.ReadInventoryAsync(default))!.Order(StringComparer.Ordinal));
    }

    private async Task<(int Exit, string Out, string Error)> RunAsync(HostileRegistry registry, S3Mirror mirror)
    {
        using var limit = new CancellationTokenSource(RunLimit);
        string[] arguments =
        [
            "sync", "--source", registry.BaseUri.ToString(), "--repository", HostileRegistry.Repository,
            "--dest", $"s3://{mirror.Url.Bucket}/{mirror.Url.KeyPrefix.TrimEnd('/')}",
            "--s3-endpoint", fixture.S3.BaseUrl, "--s3-region", "us-east-1", "--s3-path-style",
            "--part-size-mib", "5", "--parallel", "16", "--source-timeout", "1", "--json",
        ];
        var result = await GeranosRun.RunAsync(arguments, S3rverProcess.AccessKey, S3rverProcess.SecretKey, cancellationToken: limit.Token);
        Assert.False(limit.IsCancellationRequested, $"the run did not end within {RunLimit}\n{result.Error}");
        return result;
    }
}
