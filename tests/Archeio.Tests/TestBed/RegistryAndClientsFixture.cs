using Archeio.TestBed;

namespace Archeio.Tests.TestBed;

/// <summary>
/// One registry holding one image of each kind the builder makes: <c>bed/single:v1</c>, <c>bed/multi:v1</c>,
/// <c>bed/large:v1</c>, and the signature of the single image as <c>bed/single:sha256-&lt;hex&gt;.sig</c>.
/// Public only because xunit hands it to a public test class.
/// </summary>
public sealed class RegistryAndClientsFixture : IAsyncLifetime, IDisposable
{
    internal const string SingleRepository = "bed/single";
    internal const string MultiRepository = "bed/multi";
    internal const string LargeRepository = "bed/large";
    internal const string Tag = "v1";

    private readonly TempDirectory _layouts = new("bed-layouts");

    internal RegistryProcess Registry { get; private set; } = null!;

    internal BuiltImage Single { get; private set; } = null!;

    internal BuiltImage Multi { get; private set; } = null!;

    internal BuiltImage Large { get; private set; } = null!;

    internal BuiltImage Signature { get; private set; } = null!;

    internal TimeSpan SetUpTime { get; private set; }

    public async Task InitializeAsync()
    {
        Tools.Require("docker-registry", "skopeo", "podman", "containerd", "ctr", "dockerd", "docker");
        var started = TimeProvider.System.GetTimestamp();
        var registry = RegistryProcess.StartAsync("registry");
        var single = OciImageBuilder.BuildSinglePlatformAsync(_layouts.Combine("single"), Tag, seed: 11, variant: "smoke");
        var multi = OciImageBuilder.BuildMultiPlatformAsync(_layouts.Combine("multi"), Tag, seed: 12, variant: "smoke");
        var large = OciImageBuilder.BuildLargeAsync(_layouts.Combine("large"), Tag, seed: 13, variant: "smoke");
        Registry = await registry;
        Single = await single;
        Multi = await multi;
        Large = await large;
        Signature = await OciImageBuilder.BuildSignatureAsync(_layouts.Combine("signature"), Single.Digest, seed: 14, variant: "smoke", dockerReference: Registry.HostPort + "/" + SingleRepository);
        await Task.WhenAll(
            Skopeo.PushAsync(Single, Registry.HostPort, SingleRepository, Tag),
            Skopeo.PushAsync(Multi, Registry.HostPort, MultiRepository, Tag),
            Skopeo.PushAsync(Large, Registry.HostPort, LargeRepository, Tag));
        await Skopeo.PushAsync(Signature, Registry.HostPort, SingleRepository, Signature.Tag);
        SetUpTime = TimeProvider.System.GetElapsedTime(started);
    }

    public async Task DisposeAsync()
    {
        if (Registry is not null)
        {
            await Registry.DisposeAsync();
        }
    }

    public void Dispose() => _layouts.Dispose();
}
