using Archeio.TestBed;

namespace Geranos.Tests.Source;

/// <summary>
/// One Distribution holding what Geranos must read: a single-platform image under six tags
/// (repository <c>geranos/single</c>) and a multi-platform index (<c>geranos/multi:latest</c>).
/// </summary>
public sealed class SourceRegistryFixture : IAsyncLifetime, IDisposable
{
    public static readonly IReadOnlyList<string> SingleTags = ["v1", "v2", "v3", "v4", "v5", "latest"];

    private readonly TempDirectory _layouts = new("geranos-source");
    private RegistryProcess? _registry;

    internal RegistryProcess Registry => _registry ?? throw new InvalidOperationException("not started");

    internal BuiltImage Single { get; private set; } = null!;

    internal BuiltImage Multi { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _registry = await RegistryProcess.StartAsync("geranos-source");
        Single = await OciImageBuilder.BuildSinglePlatformAsync(_layouts.Combine("single"), "single", seed: 71);
        Multi = await OciImageBuilder.BuildMultiPlatformAsync(_layouts.Combine("multi"), "multi", seed: 72);
        foreach (var tag in SingleTags)
        {
            await Skopeo.PushAsync(Single, Registry.HostPort, "geranos/single", tag);
        }

        await Skopeo.PushAsync(Multi, Registry.HostPort, "geranos/multi", "latest");
    }

    public async Task DisposeAsync()
    {
        if (_registry is not null)
        {
            await _registry.DisposeAsync();
        }
    }

    public void Dispose() => _layouts.Dispose();
}
