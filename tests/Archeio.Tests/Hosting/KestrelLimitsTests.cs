using System.Text.Json.Nodes;
using Archeio.Hosting;
using Archeio.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Archeio.Tests.Hosting;

/// <summary>The Kestrel limits <see cref="ArcheioHost"/> sets, as the built host resolves them (docs/security.md).</summary>
public sealed class KestrelLimitsTests
{
    [Fact]
    public async Task The_host_sets_the_limits_the_security_model_relies_on()
    {
        using var config = new TempConfig(new JsonObject
        {
            ["InfoUrl"] = "https://info.example/",
            ["PrivacyUrl"] = "https://info.example/privacy",
            ["Upstream"] = new JsonObject { ["Endpoint"] = "https://upstream.example" },
        });
        await using var app = ArcheioHost.Build(config.Path, new Dictionary<string, string>());

        var limits = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        // Longer than a Google Cloud load balancer's fixed 600 s keep-alive towards its backends (else: 502s).
        Assert.True(limits.KeepAliveTimeout > TimeSpan.FromSeconds(600), limits.KeepAliveTimeout.ToString());
        Assert.Equal(TimeSpan.FromSeconds(2), limits.RequestHeadersTimeout);
        Assert.Equal(0, limits.MaxRequestBodySize);
        Assert.Equal(16 * 1024, limits.MaxRequestHeadersTotalSize);
        Assert.Equal(64, limits.MaxRequestHeaderCount);
        Assert.Equal(8 * 1024, limits.MaxRequestLineSize);
    }
}
