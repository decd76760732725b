using Archeio.TestBed;

namespace Geranos.Tests.Source;

/// <summary>
/// One <see cref="TokenAuthRegistry"/>, pushed to with skopeo and credentials: a single-platform image as
/// <c>geranos/one:v1</c> and <c>:v2</c>, and a multi-platform index as <c>geranos/two:latest</c>.
/// </summary>
public sealed class TokenAuthRegistryFixture : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _layouts = new("geranos-token");
    private TokenAuthRegistry? _bed;

    internal TokenAuthRegistry Bed => _bed ?? throw new InvalidOperationException("not started");

    internal BuiltImage One { get; private set; } = null!;

    internal BuiltImage Two { get; private set; } = null!;

    /// <summary>What the token server saw while the fixture pushed.</summary>
    internal IReadOnlyList<TokenRequest> PushTokenRequests { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _bed = await TokenAuthRegistry.StartAsync("geranos-token");
        One = await OciImageBuilder.BuildSinglePlatformAsync(_layouts.Combine("one"), "one", seed: 81);
        Two = await OciImageBuilder.BuildMultiPlatformAsync(_layouts.Combine("two"), "two", seed: 82);
        await Skopeo.PushAsync(One, Bed.Registry.HostPort, "geranos/one", "v1", TokenAuthRegistry.SkopeoCredentials);
        await Skopeo.PushAsync(One, Bed.Registry.HostPort, "geranos/one", "v2", TokenAuthRegistry.SkopeoCredentials);
        await Skopeo.PushAsync(Two, Bed.Registry.HostPort, "geranos/two", "latest", TokenAuthRegistry.SkopeoCredentials);
        PushTokenRequests = Bed.Tokens.Requests;
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }

    public void Dispose() => _layouts.Dispose();
}
