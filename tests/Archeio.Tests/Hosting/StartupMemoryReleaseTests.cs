using System.Collections;
using System.Text.Json.Nodes;
using Archeio.Hosting;
using Archeio.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Archeio.Tests.Hosting;

public sealed class StartupMemoryReleaseTests
{
    [Fact]
    public async Task It_collects_once_the_delay_after_the_host_started_and_not_before()
    {
        var time = new FakeTimeProvider();
        var collections = 0;
        using var release = new StartupMemoryRelease(time, NullLogger<StartupMemoryRelease>.Instance, () => collections++);

        await release.StartedAsync(CancellationToken.None);
        time.Advance(StartupMemoryRelease.Delay - TimeSpan.FromMilliseconds(1));
        Assert.Equal(0, collections);
        Assert.False(release.Released.IsCompleted);

        time.Advance(TimeSpan.FromMilliseconds(1));
        await release.Released.WaitAsync(TimeSpan.FromSeconds(10));
        time.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(1, collections);
        await release.StoppingAsync(CancellationToken.None);
        Assert.Equal(1, collections);
    }

    [Fact]
    public async Task A_host_stopped_before_the_delay_never_collects()
    {
        var time = new FakeTimeProvider();
        var collections = 0;
        using var release = new StartupMemoryRelease(time, NullLogger<StartupMemoryRelease>.Instance, () => collections++);

        await release.StartedAsync(CancellationToken.None);
        await release.StoppingAsync(CancellationToken.None);
        time.Advance(StartupMemoryRelease.Delay * 2);

        Assert.True(release.Released.IsCompleted);
        Assert.Equal(0, collections);
    }

    [Fact]
    public void The_server_runs_it_as_a_hosted_service()
    {
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
            ["Mirrors"] = new JsonArray(new JsonObject { ["Name"] = "m0", ["BlobUrl"] = "https://m0.example/{digest}" }),
        });
        using var factory = new ArcheioFactory(config.Path, new Hashtable());

        var release = factory.Services.GetRequiredService<StartupMemoryRelease>();

        Assert.Contains(release, factory.Services.GetServices<IHostedService>());
    }
}
